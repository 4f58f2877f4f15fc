"""`GTI.create` from `~astropy.time.Time` values."""

import pytest
from astropy.time import Time

from cherenkit.data import GTI


def test_create_from_utc_times_counts_seconds_in_tt():
    gti = GTI.create(Time(["2020-01-01T00:00:00"]), Time(["2020-01-01T00:30:00"]))
    assert gti.reference.scale == "tt"
    assert gti.time_sum.to_value("s") == pytest.approx(1800.0, abs=1e-6)
    assert gti.time_start.utc.isot[0] == "2020-01-01T00:00:00.000"
