"""The plugin registry: discovery, lookup, and every way a plugin can go wrong."""

import pytest

from cherenkit import registry
from cherenkit.catalogue import Catalogue, CatalogueEntry
from cherenkit.errors import (
    ConfigError,
    PluginAPIError,
    PluginConflictError,
    PluginError,
    PluginLoadError,
    PluginNotFoundError,
)

from _plugin_sources import HEADER, THRESHOLD_CLEANER


def test_builtin_statistics_are_found_through_entry_points():
    assert {"cash", "wstat", "chi2"} <= set(registry.names("fit-statistic"))
    info = registry.get_registry().info("fit-statistic", "wstat")
    assert info.distribution == "cherenkit-stats"
    assert info.cls.name == "wstat"
    assert registry.get("fit-statistic", "cash").__name__ == "CashStatistic"


def test_entry_points_are_loaded_lazily_and_once(make_distribution):
    eps = make_distribution("acme-cleaning", "acme_lazy", THRESHOLD_CLEANER)
    reg = registry.Registry(entry_points=eps)
    assert reg._plugins is None
    assert reg.names("cleaner") == ["threshold"]
    loaded = reg._plugins
    reg.get("cleaner", "threshold")
    assert reg._plugins is loaded


def test_unknown_name_lists_installed_and_suggests_the_closest(make_distribution, use_registry):
    use_registry(
        *make_distribution("acme-cleaning", "acme_only", THRESHOLD_CLEANER), installed=False
    )
    with pytest.raises(PluginNotFoundError) as info:
        registry.get("cleaner", "treshold")
    message = str(info.value)
    assert message.startswith(
        "No cleaner named 'treshold'. Installed: 'threshold' (from acme-cleaning)."
    )
    assert message.endswith("Did you mean 'threshold'?")
    assert info.value.suggestion == "threshold"


def test_unknown_but_catalogued_name_says_which_distribution_to_install(planned_catalogue):
    with pytest.raises(
        PluginNotFoundError,
        match=r"'sky-ring' is catalogued in registry\.toml as part of cherenkit-skyring, which is planned",
    ) as info:
        registry.get("background-maker", "sky-ring")
    assert info.value.catalogued == "cherenkit-skyring"
    assert "Did you mean" not in str(info.value)  # a catalogued name is not a typo


def test_unknown_kind_lists_the_kinds():
    with pytest.raises(PluginError, match=r"No plugin kind 'cleaners'.*Did you mean 'cleaner'\?"):
        registry.names("cleaners")


def test_two_plugins_with_one_name_name_both_distributions(make_distribution, use_registry):
    reg = use_registry(
        *make_distribution("acme-cleaning", "acme_one", THRESHOLD_CLEANER, version="1.2"),
        *make_distribution("other-cleaning", "other_one", THRESHOLD_CLEANER, version="0.3"),
    )
    with pytest.raises(PluginConflictError) as info:
        registry.get("cleaner", "threshold")
    assert info.value.distributions == ("acme-cleaning 1.2", "other-cleaning 0.3")
    assert (
        "Two plugins declare a cleaner named 'threshold': acme-cleaning 1.2 and other-cleaning 0.3"
        in str(info.value)
    )
    # the rest of the registry still works
    assert "cash" in registry.names("fit-statistic")
    assert reg.describe()["conflicts"] == [
        {
            "kind": "cleaner",
            "name": "threshold",
            "distributions": ["acme-cleaning 1.2", "other-cleaning 0.3"],
        }
    ]


def test_a_plugin_that_raises_at_import_is_reported_and_breaks_nothing(
    make_distribution, use_registry
):
    broken = make_distribution(
        "acme-broken", "acme_broken", "import numpy\nraise ImportError('needs libfoo')\n"
    )
    reg = use_registry(*broken, *make_distribution("acme-cleaning", "acme_ok", THRESHOLD_CLEANER))
    assert "threshold" in reg.names("cleaner")
    assert "cash" in reg.names("fit-statistic")
    [failure] = reg.failures
    assert isinstance(failure, PluginLoadError)
    assert failure.distribution == "acme-broken 1.0"
    assert isinstance(failure.original, ImportError)
    assert "needs libfoo" in failure.traceback
    assert str(failure) == (
        "Plugin 'acme_broken = acme_broken' from acme-broken 1.0 failed to load: ImportError: needs libfoo"
    )
    assert reg.describe()["failures"][0]["distribution"] == "acme-broken 1.0"


def test_asking_for_a_name_of_a_broken_catalogued_plugin_reraises_its_error(make_distribution):
    catalogue = Catalogue(
        entries=(
            CatalogueEntry("cleaner", "fancy", "acme-broken", "third-party", "Fancy cleaning."),
        )
    )
    reg = registry.Registry(
        entry_points=make_distribution(
            "acme-broken", "acme_broken2", "raise RuntimeError('boom')\n"
        ),
        catalogue=catalogue,
    )
    with pytest.raises(PluginLoadError, match="RuntimeError: boom"):
        reg.get("cleaner", "fancy")
    with pytest.raises(
        PluginNotFoundError, match="Plugins that failed to load: 'acme_broken2 = acme_broken2'"
    ):
        reg.get("cleaner", "other")


@pytest.mark.parametrize(
    ("declaration", "message"),
    [
        (
            'cherenkit_api = ">=2.0"',
            r"built for cherenkit plugin API >=2.0, but this cherenkit-core provides API 1.0",
        ),
        ("", r"declares no `cherenkit_api` range"),
        ('cherenkit_api = "one"', r"built for cherenkit plugin API one"),
    ],
)
def test_plugin_api_mismatch_is_reported_by_name(make_distribution, declaration, message):
    source = THRESHOLD_CLEANER.replace('cherenkit_api = ">=1.0,<2"', declaration)
    reg = registry.Registry(entry_points=make_distribution("acme-old", "acme_old", source))
    assert reg.names("cleaner") == []
    [failure] = reg.failures
    assert isinstance(failure, PluginAPIError)
    assert failure.entry_point == "acme_old = acme_old"
    assert failure.distribution == "acme-old 1.0"
    assert __import__("re").search(message, str(failure))


BAD_CLASSES = {
    "not a subclass": (
        "class Thing:\n    name = 'thing'\n",
        r"returned <class 'acme_bad_0.Thing'>, which is not a subclass of ImageCleaner",
    ),
    "bad name": (
        "from cherenkit.image import ImageCleaner\n"
        "@attrs.frozen\nclass Thing(ImageCleaner):\n    name = 'My_Thing'\n"
        "    def __call__(self, g, i, t=None): return i\n",
        r"Thing.name must be a kebab-case string such as 'my-method', got 'My_Thing'",
    ),
    "not attrs": (
        "from cherenkit.image import ImageCleaner\n"
        "class Thing(ImageCleaner):\n    name = 'thing'\n"
        "    def __call__(self, g, i, t=None): return i\n",
        r"Thing is not an attrs class",
    ),
}


@pytest.mark.parametrize("case", list(BAD_CLASSES))
def test_a_class_that_breaks_the_contract_is_a_load_failure(make_distribution, case):
    body, message = BAD_CLASSES[case]
    module = f"acme_bad_{list(BAD_CLASSES).index(case)}"
    source = HEADER + body + "\n@hookimpl\ndef cherenkit_register_cleaners():\n    return [Thing]\n"
    reg = registry.Registry(entry_points=make_distribution("acme-bad", module, source))
    assert reg.names("cleaner") == []
    [failure] = reg.failures
    assert __import__("re").search(message, str(failure)), str(failure)


def test_a_misspelled_hook_is_a_load_failure(make_distribution):
    source = HEADER + "\n@hookimpl\ndef cherenkit_register_cleaner():\n    return []\n"
    reg = registry.Registry(entry_points=make_distribution("acme-typo", "acme_typo", source))
    [failure] = reg.failures
    assert "unknown hook 'cherenkit_register_cleaner'" in str(failure)


def test_create_builds_the_same_object_as_the_class(test_plugins):
    cleaner = registry.create("cleaner", "threshold", picture_thresh=7)
    assert cleaner == registry.get("cleaner", "threshold")(picture_thresh=7.0)
    with pytest.raises(
        ConfigError,
        match=r"cleaner 'threshold' has no parameter 'picture_thres'.*Did you mean 'picture_thresh'\?",
    ):
        registry.create("cleaner", "threshold", picture_thres=7)


def test_describe_lists_installed_and_catalogued_plugins(planned_catalogue):
    described = registry.describe()
    by_name = {(p["kind"], p["name"]): p for p in described["plugins"]}
    wstat = by_name["fit-statistic", "wstat"]
    assert wstat["installed"] and wstat["distribution"] == "cherenkit-stats"
    assert wstat["status"] == "builtin"
    assert wstat["parameters"][0]["name"] == "extra_terms"
    ring = by_name["background-maker", "sky-ring"]
    assert not ring["installed"] and ring["version"] is None
    kinds = [p["kind"] for p in described["plugins"]]
    assert kinds == sorted(kinds, key=list(registry.KINDS).index)
