"""Observation clustering: group runs by zenith angle or by the quality of their IRFs.

The code and figures of ``docs/tutorials/observation-clustering.md``. From the
repository root::

    uv run python docs/tutorials/observation_clustering.py [OUTDIR] [--data DIR]

It reads the PKS 2155-304 runs of H.E.S.S. DL3 DR1 from ``DIR/hess-dl3-dr1``
(``--data``, else ``$CHERENKIT_DATA``, else ``../shared/data`` beside the
repository) and writes three PNG figures into OUTDIR (default:
``figures/observation-clustering/`` beside this script).
"""

import argparse
import os
from pathlib import Path

import astropy.units as u
import matplotlib.pyplot as plt
import numpy as np
from astropy.coordinates import SkyCoord

from cherenkit.data import (
    DataStore,
    get_irfs_features,
    group_by_median,
    hierarchical_clustering,
    pointing_zenith,
    standard_scaler,
)

HERE = Path(__file__).resolve().parent
DPI = 80  # small PNGs for the docs


def data_folder(path):
    """The shared data folder: ``--data``, else $CHERENKIT_DATA, else ../shared/data."""
    if path is not None:
        return Path(path)
    if os.environ.get("CHERENKIT_DATA"):
        return Path(os.environ["CHERENKIT_DATA"])
    return HERE.parents[2] / "shared" / "data"


parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument(
    "outdir", nargs="?", type=Path, default=HERE / "figures" / "observation-clustering"
)
parser.add_argument("--data", type=Path, help="the shared data folder (with hess-dl3-dr1/)")
args = parser.parse_args()
args.outdir.mkdir(parents=True, exist_ok=True)
data = data_folder(args.data)


def save(fig, name):
    """Write one figure as ``<outdir>/<name>`` and close it."""
    fig.tight_layout()
    fig.savefig(args.outdir / name, dpi=DPI)
    plt.close(fig)
    print(f"wrote {name}")


def print_table(table):
    """Print every row and column of a table, floats with 4 decimals."""
    for name in table.colnames:
        if table[name].dtype.kind == "f":
            table[name].format = ".4f"
    print("\n".join(table.pformat(max_lines=-1, max_width=-1)))


# --- select the observations -------------------------------------------------------

data_store = DataStore.from_dir(data / "hess-dl3-dr1")
pks2155 = SkyCoord(329.71693826 * u.deg, -30.2255890 * u.deg, frame="icrs")
selection = dict(
    type="sky_circle",
    frame="icrs",
    lon=pks2155.ra,
    lat=pks2155.dec,
    radius="2 deg",
)
obs_table = data_store.obs_table.select_observations(selection)
observations = data_store.get_observations(obs_table["OBS_ID"])
print(f"{len(observations)} observations of PKS 2155-304")

# --- zenith angle and muon efficiency ---------------------------------------------

zenith = pointing_zenith(observations)
muoneff = np.array([obs.muoneff for obs in observations])
print(f"{zenith.min():.2f} < zenith angle < {zenith.max():.2f}")
print(f"{muoneff.min():.3f} < muon efficiency < {muoneff.max():.3f}")

# --- group by the median zenith angle ---------------------------------------------

median_zenith = np.median(obs_table["ZEN_PNT"].quantity)
zenith_groups = group_by_median(
    observations, zenith, median=median_zenith, labels=("low-zenith", "high-zenith")
)
print(f"median zenith angle: {median_zenith:.2f}")
for label, group in zenith_groups.items():
    print(f"{label}: {len(group)} observations: {' '.join(group.ids)}")

fig, ax = plt.subplots(figsize=(6, 4.2))
for (label, group), marker in zip(zenith_groups.items(), ["o", "d"], strict=True):
    in_group = np.isin(observations.ids, group.ids)
    ax.plot(zenith[in_group], muoneff[in_group], marker, ls="", label=label)
ax.axvline(median_zenith.to_value("deg"), ls="--", color="black", label="median")
ax.set_xlabel("Zenith angle at mid-run [deg]")
ax.set_ylabel("Muon efficiency")
ax.legend()
save(fig, "zenith_groups.png")

# --- IRF features at the source position -------------------------------------------

features = get_irfs_features(
    observations,
    "1 TeV",
    position=pks2155,
    names=["edisp-res", "psf-radius", "aeff"],
)
print_table(features)

# --- scale and cluster ---------------------------------------------------------------

scaled = standard_scaler(features["obs_id", "edisp-res", "psf-radius"])
clustered = hierarchical_clustering(scaled, fcluster_kwargs={"t": 2})
print_table(clustered)

labels = clustered["labels"].tolist()
irf_groups = observations.group_by_label(labels)
for label, group in irf_groups.items():
    print(f"cluster {label}: {len(group)} observations: {' '.join(group.ids)}")

# --- plot the clusters ---------------------------------------------------------------------

fig, ax = plt.subplots(figsize=(6, 4.2))
for label, marker in zip(irf_groups, ["o", "d", "s", "^"], strict=False):
    in_cluster = clustered["labels"] == label
    ax.plot(
        clustered["psf-radius"][in_cluster],
        clustered["edisp-res"][in_cluster],
        marker,
        ls="",
        label=f"cluster {label}",
    )
ax.set_xlabel("psf-radius (scaled)")
ax.set_ylabel("edisp-res (scaled)")
ax.legend()
save(fig, "scaled_features_clusters.png")

fig, axes = plt.subplots(1, 2, figsize=(9, 3.8))
for label, marker in zip(irf_groups, ["o", "d", "s", "^"], strict=False):
    row = features[clustered["labels"] == label]
    in_cluster = np.isin(observations.ids, irf_groups[label].ids)
    axes[0].plot(row["psf-radius"], row["edisp-res"], marker, ls="", label=f"cluster {label}")
    axes[1].plot(zenith[in_cluster], row["aeff"] / 1e4, marker, ls="", label=f"cluster {label}")
axes[0].set_xlabel("68% PSF radius at 1 TeV [deg]")
axes[0].set_ylabel("Energy resolution at 1 TeV")
axes[1].set_xlabel("Zenith angle at mid-run [deg]")
axes[1].set_ylabel("Effective area at 1 TeV [$10^4$ m$^2$]")
axes[0].legend()
save(fig, "irf_clusters.png")
