"""The demo: a toy array observation, reconstructed, against a bound from its own noise.

The bound: each used image constrains the direction across its axis with
σ⊥ = √((d σψ)² + σ_cog²) (d the distance from the centroid to the true source, σψ
and σ_cog the Hillas uncertainties of the axis angle and of the centroid across
it); combining the images of an event (Fisher information Σ n nᵀ / σ⊥², n the axis
normal) gives its expected error covariance, and sampling those covariances gives
the 68 % containment radius the image noise allows. The same construction on the
ground (σ⊥ = D σψ, D the distance from the telescope to the true core) bounds the
core resolution. The Hillas uncertainties are first checked against the truth
(the normalised axis residuals have an rms near 1), so the bound is meaningful.
"""

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import AltAz, SkyCoord, SkyOffsetFrame

from cherenkit.demo import run_demo
from cherenkit.io import TableLoader
from cherenkit.io.hdf5 import read_subarray
from cherenkit.reco.performance import containment_radius

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return run_demo(tmp_path_factory.mktemp("demo"), n_events=1000, seed=1)


def _predicted_r68(event_ids, normals, sigmas, rng) -> float:
    """68 % radius of errors drawn from each event's Fisher covariance."""
    samples = []
    for event in np.unique(event_ids):
        rows = event_ids == event
        n = normals[rows]
        information = (n[:, :, None] * n[:, None, :] / sigmas[rows, None, None] ** 2).sum(0)
        draws = rng.multivariate_normal([0.0, 0.0], np.linalg.inv(information), 400)
        samples.append(np.hypot(draws[:, 0], draws[:, 1]))
    return containment_radius(np.concatenate(samples))


def test_demo_resolution_is_within_what_the_image_noise_allows(demo):
    hillas = {p.label: p for p in demo.performance}["hillas"]
    assert hillas.n_valid >= 80 and demo.figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with TableLoader(demo.output) as loader:
        events = loader.read_subarray_events()
        tel = loader.read_telescope_events()
    subarray = read_subarray(demo.output)
    valid = np.asarray(events["reco_hillas_is_valid"])
    assert np.all(np.asarray(events["reco_hillas_multiplicity"])[valid] >= 2)
    used = tel[np.asarray(tel["reco_hillas_is_used"])]
    event_ids = np.asarray(used["event_id"])
    rng = np.random.default_rng(0)

    # direction: the true source in the (common) pointing's field of view
    pointing = SkyCoord(
        alt=used["pointing_alt"][0], az=used["pointing_az"][0], frame=AltAz()
    )  # the toy array points all telescopes the same way
    assert np.all(used["pointing_alt"] == used["pointing_alt"][0])
    source = SkyCoord(alt=used["true_alt"], az=used["true_az"], frame=AltAz()).transform_to(
        SkyOffsetFrame(origin=pointing)
    )
    dx = source.lon.wrap_at(180 * u.deg).to_value(u.deg) - used["hillas_fov_lon"].to_value(u.deg)
    dy = source.lat.to_value(u.deg) - used["hillas_fov_lat"].to_value(u.deg)
    psi = used["hillas_psi"].to_value(u.rad)
    sigma_psi = used["hillas_psi_uncertainty"].to_value(u.rad)
    sigma = np.hypot(
        np.hypot(dx, dy) * sigma_psi, used["hillas_transverse_cog_uncertainty"].to_value(u.deg)
    )
    normals = np.column_stack([-np.sin(psi), np.cos(psi)])
    residual = (dx * normals[:, 0] + dy * normals[:, 1]) / sigma  # true source off the axis
    assert 0.5 < np.sqrt(np.mean(residual**2)) < 1.5
    bound = _predicted_r68(event_ids, normals, sigma, rng)
    assert 0.25 * bound < hillas.angular_resolution_deg < bound

    # core: lines from the telescopes to the true core on the ground
    positions = subarray.positions.to_value(u.m)[subarray.tel_ids_to_indices(used["tel_id"])]
    to_core = np.column_stack(
        [
            used["true_core_x"].to_value(u.m) - positions[:, 0],
            used["true_core_y"].to_value(u.m) - positions[:, 1],
        ]
    )
    distance = np.hypot(to_core[:, 0], to_core[:, 1])
    ground_normals = np.column_stack([-to_core[:, 1], to_core[:, 0]]) / distance[:, None]
    core_bound = _predicted_r68(event_ids, ground_normals, distance * sigma_psi, rng)
    assert 0.25 * core_bound < hillas.core_resolution_m < core_bound


def test_the_demo_command_prints_the_performance(tmp_path):
    from click.testing import CliRunner

    from cherenkit.cli import main

    result = CliRunner().invoke(
        main, ["demo", "-o", str(tmp_path), "-n", "200", "--seed", "2", "--no-progress"]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("reconstructor"))
    rows = {line.split()[0]: line.split()[1:] for line in lines[header + 1 : header + 3]}
    assert set(rows) == {"hillas", "hillas-intersection"}
    n_events, n_valid, r68, core68 = (float(v) for v in rows["hillas"])
    assert n_events >= n_valid > 0 and 0 < r68 < 0.5 and 0 < core68 < 100
    assert (tmp_path / "theta2.png").exists() and (tmp_path / "demo.h5").exists()
