"""TOML config: plugins chosen by name, validated parameters, and clear errors."""

import re
import textwrap

import astropy.units as u
import pytest

from cherenkit.config import Config, DatasetsConfig, FitConfig, PluginSelection, ProcessConfig
from cherenkit.config_template import config_template
from cherenkit.errors import ConfigError


def write(tmp_path, text, name="analysis.toml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def test_a_bare_name_and_a_table_build_equal_objects(tmp_path):
    from cherenkit_stats import CashStatistic, WStatStatistic

    bare = Config.from_toml(write(tmp_path, 'fit.statistic = "cash"\n'))
    assert bare.fit.statistic == PluginSelection(CashStatistic())
    table = Config.from_toml(
        write(tmp_path, "[fit.statistic]\nname = 'wstat'\nextra_terms = false\n")
    )
    assert table.fit.statistic.component == WStatStatistic(extra_terms=False)
    # the same objects from Python keyword arguments
    assert table == Config(fit=FitConfig(statistic={"name": "wstat", "extra_terms": False}))
    assert table == Config(fit=FitConfig(statistic=WStatStatistic(extra_terms=False)))
    assert Config.from_dict({"fit": {"statistic": "cash"}}) == bare


def test_an_empty_file_means_all_defaults(tmp_path):
    config = Config.from_toml(write(tmp_path, ""))
    assert config == Config()
    assert config.fit.statistic is None and config.process.cleaner is None
    assert config.choices() == []


def test_per_telescope_type_overrides(tmp_path, test_plugins):
    config = Config.from_toml(
        write(
            tmp_path,
            """
            [process.cleaner]
            name = "threshold"
            picture_thresh = 10
            min_pixels = 4

            [process.cleaner.per_telescope_type.LST_LST_LSTCam]
            picture_thresh = 7.5
            """,
        )
    )
    [(label, selection)] = config.process.cleaner.items()
    assert label == "threshold"
    lst = selection.for_telescope_type("LST_LST_LSTCam")
    mst = selection.for_telescope_type("MST_MST_FlashCam")
    assert (lst.picture_thresh, lst.min_pixels) == (7.5, 4)  # override on top of the table
    assert (mst.picture_thresh, mst.min_pixels) == (10.0, 4)


def test_several_labelled_instances_of_one_kind(tmp_path, test_plugins):
    config = Config.from_toml(
        write(
            tmp_path,
            """
            [process.cleaner.strict]
            name = "threshold"
            picture_thresh = 10

            [process.cleaner.loose]
            name = "threshold"
            picture_thresh = 5
            mode = "loose"
            """,
        )
    )
    cleaners = config.process.cleaner
    assert list(cleaners) == ["strict", "loose"]
    assert cleaners["strict"].component.picture_thresh == 10.0
    assert cleaners["loose"].component.mode == "loose"
    assert [(t, label) for t, label, _ in config.choices()] == [
        ("process.cleaner", "strict"),
        ("process.cleaner", "loose"),
    ]
    # the same from Python
    cls = type(cleaners["strict"].component)
    assert config.process == ProcessConfig(
        cleaner={
            "strict": cls(picture_thresh=10),
            "loose": {"name": "threshold", "picture_thresh": 5, "mode": "loose"},
        }
    )


def test_units_given_as_strings(tmp_path, test_plugins):
    config = Config.from_toml(
        write(tmp_path, '[datasets.safe_mask.offset]\nname = "offset-cut"\noffset_max = "3 deg"\n')
    )
    method = config.datasets.safe_mask["offset"].component
    assert method.offset_max == 3 * u.deg
    listed = DatasetsConfig(safe_mask=["offset-cut"])
    assert listed.safe_mask["offset-cut"].component.offset_max == 2.5 * u.deg


BAD_CONFIGS = {
    "malformed TOML": (
        "[fit\nstatistic = 'cash'\n",
        r"analysis.toml: not valid TOML: .*\(at line 1, column 5\)",
    ),
    "unknown top-level table": (
        "[fits]\nstatistic = 'cash'\n",
        r"analysis.toml, key 'fits': unknown key in the top level; valid: 'datasets', 'fit', 'process'. Did you mean 'fit'\?",
    ),
    "unknown key in a section": (
        "[fit]\nstatistics = 'cash'\n",
        r"analysis.toml, \[fit\], key 'statistics': unknown key in table \[fit\]; valid: 'statistic'. Did you mean 'statistic'\?",
    ),
    "unknown plugin name": (
        "[fit]\nstatistic = 'wstats'\n",
        r"analysis.toml, \[fit\], key 'statistic': No fit-statistic named 'wstats'. Installed: 'cash', 'chi2', 'wstat' \(from cherenkit-stats\). Did you mean 'wstat'\?",
    ),
    "unknown plugin parameter": (
        "[fit.statistic]\nname = 'wstat'\nextra_term = true\n",
        r"analysis.toml, \[fit.statistic\], key 'extra_term': fit-statistic 'wstat' has no parameter 'extra_term'. Valid: 'extra_terms'. Did you mean 'extra_terms'\?",
    ),
    "parameter of a plugin that takes none": (
        "[fit.statistic]\nname = 'cash'\nscale = 2\n",
        r"has no parameter 'scale'. Valid: none \(it takes no parameters\)",
    ),
    "wrong type": (
        "[fit.statistic]\nname = 'wstat'\nextra_terms = 'yes'\n",
        r"\[fit.statistic\], key 'extra_terms': expected true or false, got 'yes' \(str\)",
    ),
    "missing name": (
        "[fit.statistic]\nextra_terms = true\n",
        r"\[fit.statistic\], key 'name': missing key 'name': which fit-statistic\? Installed: 'cash', 'chi2', 'wstat'",
    ),
    "a section that is not a table": (
        "fit = 3\n",
        r"\[fit\]: expected a table, got 3",
    ),
    "several instances of a single-choice kind": (
        "[fit.statistic.a]\nname = 'cash'\n[fit.statistic.b]\nname = 'wstat'\n",
        r"\[fit.statistic\]: expected one fit-statistic: a name, or a table with name = \"...\"",
    ),
    "overrides where the kind takes none": (
        "[fit.statistic]\nname = 'wstat'\n[fit.statistic.per_telescope_type.LST]\nextra_terms = false\n",
        r"\[fit.statistic\], key 'per_telescope_type': a fit-statistic takes no per_telescope_type overrides",
    ),
    "plugin value of the wrong kind": (
        "[fit]\nstatistic = 3\n",
        r"\[fit\], key 'statistic': expected a fit-statistic name, a table with name = \"...\", or a FitStatistic; got 3",
    ),
}


@pytest.mark.parametrize("case", list(BAD_CONFIGS))
def test_bad_configs_give_one_clear_message(tmp_path, case):
    text, message = BAD_CONFIGS[case]
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        Config.from_toml(path)
    assert re.search(message, str(info.value)), str(info.value)
    assert info.value.file == str(path)


BAD_PLUGIN_VALUES = {
    "value out of range": (
        "[process.cleaner]\nname = 'threshold'\npicture_thresh = -1\n",
        r"\[process.cleaner\], key 'picture_thresh': value -1.0 is out of range: must be > 0",
    ),
    "out of range in an override": (
        "[process.cleaner]\nname = 'threshold'\n[process.cleaner.per_telescope_type.LST_LST_LSTCam]\nmin_pixels = -2\n",
        r"\[process.cleaner.per_telescope_type.LST_LST_LSTCam\], key 'min_pixels': value -2 is out of range: must be >= 0",
    ),
    "bad value in a labelled instance": (
        "[process.cleaner.loose]\nname = 'threshold'\nmode = 'lax'\n",
        r"\[process.cleaner.loose\], key 'mode': 'lax' is not one of the choices 'strict', 'loose'",
    ),
    "one name twice in a list": (
        "[process]\ncleaner = ['threshold', 'threshold']\n",
        r"\[process\], key 'cleaner': 'threshold' given twice; to run one cleaner with two settings, give each its own labelled table",
    ),
    "missing unit": (
        "[datasets.safe_mask.o]\nname = 'offset-cut'\noffset_max = 3\n",
        r"\[datasets.safe_mask.o\], key 'offset_max': missing unit: expected an angle such as '3 deg', got the plain number 3",
    ),
    "wrong unit": (
        "[datasets.safe_mask.o]\nname = 'offset-cut'\noffset_max = '3 TeV'\n",
        r"key 'offset_max': wrong unit: 3.0 TeV is not convertible to deg \(angle\)",
    ),
    "not installed but catalogued": (
        "[datasets]\nbackground = 'sky-ring'\n",
        r"\[datasets\], key 'background': No background-maker named 'sky-ring'. Installed: 'adaptive-ring'.*catalogued in registry.toml as part of cherenkit-skyring",
    ),
}


@pytest.mark.parametrize("case", list(BAD_PLUGIN_VALUES))
def test_bad_plugin_parameters_name_file_table_and_key(
    tmp_path, planned_catalogue, test_plugins, case
):
    text, message = BAD_PLUGIN_VALUES[case]
    with pytest.raises(ConfigError) as info:
        Config.from_toml(write(tmp_path, text))
    assert re.search(message, str(info.value)), str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match=r"nope.toml: file not found"):
        Config.from_toml(tmp_path / "nope.toml")


def test_python_keyword_errors_name_the_class_and_field():
    with pytest.raises(
        ConfigError,
        match=r"^FitConfig, key 'statistic': No fit-statistic named 'kash'.*Did you mean 'cash'\?",
    ):
        FitConfig(statistic="kash")


def test_the_template_is_valid_and_every_block_in_it_is_valid(tmp_path, test_plugins):
    text = config_template()
    assert Config.from_toml(write(tmp_path, text)) == Config()
    blocks = re.findall(r"^# (\[[^\]]+\])\n((?:# \w+ = .*\n)+)", text, flags=re.M)
    from cherenkit import registry

    assert len(blocks) == len(registry.get_registry().plugins())  # one per installed plugin
    for header, body in blocks:
        header = header.replace(".LABEL", ".mine")
        section = header.strip("[]").split(".")[0]
        lines = [line[2:] for line in body.splitlines() if "default: unset" not in line]
        uncommented = f"{header}\n" + "\n".join(lines) + "\n"
        config = Config.from_toml(write(tmp_path, uncommented, name="one.toml"))
        assert getattr(config, section) != getattr(Config(), section), uncommented
