"""Column layout shared by the numba kernels and their Python wrappers (no numba here).

The kernels write one row of float64 values per image; these tuples name the
columns in order, and the ``*_OFFSET`` integers say where each group starts in the
row of the all-parameters kernel. Kernel units: positions and sizes in m (camera
frame) or rad (telescope frame), angles in rad, peak times in ns.
"""

HILLAS = (
    "intensity",
    "x",
    "y",
    "r",
    "phi",
    "length",
    "length_uncertainty",
    "width",
    "width_uncertainty",
    "psi",
    "psi_uncertainty",
    "transverse_cog_uncertainty",
    "skewness",
    "kurtosis",
)
"""Hillas columns; ``x, y`` are the two frame axes (``fov_lon, fov_lat`` in the telescope frame)."""

TIMING = ("slope", "intercept", "deviation")
LEAKAGE = ("pixels_width_1", "pixels_width_2", "intensity_width_1", "intensity_width_2")
CONCENTRATION = ("cog", "core", "pixel")
STATISTICS = ("max", "min", "mean", "std", "skewness", "kurtosis")
MORPHOLOGY = ("n_pixels", "n_islands", "n_small_islands", "n_medium_islands", "n_large_islands")

N_HILLAS = len(HILLAS)
N_TIMING = len(TIMING)
N_LEAKAGE = len(LEAKAGE)
N_CONCENTRATION = len(CONCENTRATION)
N_STATISTICS = len(STATISTICS)
N_MORPHOLOGY = len(MORPHOLOGY)

# indices inside the Hillas block
H_INTENSITY = 0
H_X = 1
H_Y = 2
H_R = 3
H_PHI = 4
H_LENGTH = 5
H_LENGTH_UNC = 6
H_WIDTH = 7
H_WIDTH_UNC = 8
H_PSI = 9
H_PSI_UNC = 10
H_TRANSVERSE_COG_UNC = 11
H_SKEWNESS = 12
H_KURTOSIS = 13

# group offsets inside a row of the all-parameters kernel
HILLAS_OFFSET = 0
TIMING_OFFSET = HILLAS_OFFSET + N_HILLAS
LEAKAGE_OFFSET = TIMING_OFFSET + N_TIMING
CONCENTRATION_OFFSET = LEAKAGE_OFFSET + N_LEAKAGE
INTENSITY_STATS_OFFSET = CONCENTRATION_OFFSET + N_CONCENTRATION
PEAK_TIME_STATS_OFFSET = INTENSITY_STATS_OFFSET + N_STATISTICS
N_FLOAT_COLUMNS = PEAK_TIME_STATS_OFFSET + N_STATISTICS

# the validity flags of the all-parameters kernel
VALID_HILLAS = 0
VALID_TIMING = 1
N_FLAGS = 2

GROUPS = (
    ("hillas", HILLAS_OFFSET, HILLAS),
    ("timing", TIMING_OFFSET, TIMING),
    ("leakage", LEAKAGE_OFFSET, LEAKAGE),
    ("concentration", CONCENTRATION_OFFSET, CONCENTRATION),
    ("intensity", INTENSITY_STATS_OFFSET, STATISTICS),
    ("peak_time", PEAK_TIME_STATS_OFFSET, STATISTICS),
)
"""(prefix, offset, column names) of the float columns, in row order."""
