"""Names of the shared data files the tests read (one list for every test module)."""

SIMTEL_FILES = (
    "calib_events",
    "camsettings_v6",
    "gamma_merged",
    "gamma_prod6_tel_event_header_v4",
    "gct_checs_muons",
    "lst_muons",
)
"""Every file of ``../shared/data/simtel`` without its suffix (a test checks none is left out)."""
