"""Every hook in cherenkit.hookspecs registers classes of its kind."""

import inspect

import pytest

from cherenkit import hookspecs, registry

from _plugin_sources import HEADER

# A minimal class per kind: the base class and the methods its contract requires.
BODIES = {
    "event-source": (
        "from cherenkit.events import EventSource as Base",
        "    @classmethod\n    def is_compatible(cls, path): return str(path).endswith('.x')\n"
        "    subarray = None\n"
        "    def _open(self): pass\n"
        "    def iter_batches(self, n_events): return iter(())\n"
        "    def __iter__(self): return iter(())\n",
    ),
    "charge-extractor": (
        "from cherenkit.calib import ChargeExtractor as Base",
        "    def __call__(self, waveforms, *, camera):\n"
        "        return waveforms.sum(-1), waveforms.argmax(-1).astype(float)\n",
    ),
    "cleaner": (
        "from cherenkit.image import ImageCleaner as Base",
        "    def __call__(self, geometry, image, peak_time=None): return image > 0\n",
    ),
    "reconstructor": (
        "from cherenkit.reco import Reconstructor as Base",
        "    def __call__(self, subarray, parameters): return parameters\n",
    ),
    "background-maker": (
        "from cherenkit.makers import BackgroundMaker as Base",
        "    def run(self, dataset, observation): return dataset\n",
    ),
    "safe-mask": (
        "from cherenkit.makers import SafeMaskMethod as Base",
        "    def __call__(self, dataset, observation): return np.ones_like(dataset, bool)\n",
    ),
    "fit-statistic": (
        "from cherenkit.modeling import FitStatistic as Base",
        "    def evaluate(self, counts, npred): return (counts - npred) ** 2\n",
    ),
}


def test_the_kinds_table_covers_every_hookspec():
    specs = {name for name, _ in inspect.getmembers(hookspecs, inspect.isfunction)}
    assert specs == {kind.hook for kind in registry.KINDS.values()}
    assert set(BODIES) == set(registry.KINDS)


@pytest.mark.parametrize("kind", list(registry.KINDS))
def test_each_hook_registers_a_class_of_its_kind(make_distribution, kind):
    spec = registry.KINDS[kind]
    base_import, methods = BODIES[kind]
    module = f"acme_{kind.replace('-', '_')}"
    source = (
        HEADER
        + base_import
        + "\n\n@attrs.frozen(kw_only=True)\nclass Mine(Base):\n"
        + '    """My own plugin."""\n    name = "mine"\n'
        + "    level: float = parameter(1.0, ge=0, help='A level.')\n"
        + methods
        + f"\n@hookimpl\ndef {spec.hook}():\n    return [Mine]\n"
    )
    reg = registry.Registry(entry_points=make_distribution("acme-kinds", module, source))
    assert reg.failures == []
    assert reg.names(kind) == ["mine"]
    cls = reg.get(kind, "mine")
    assert issubclass(cls, spec.base_class()) and cls.kind == kind
    assert reg.create(kind, "mine", level=2).level == 2.0
    other_kinds = [k for k in registry.KINDS if k != kind]
    assert all(reg.names(k) == [] for k in other_kinds)
