"""Helpers of the cherenkit-toysim tests: image models and Hillas moments with numpy."""

import numpy as np

from cherenkit_toysim.images import ImageModels


def make_models(n=1, **values):
    """`ImageModels` of ``n`` equal images; ``length_m`` sets both axial σ."""
    defaults = {
        "cog_x_m": 0.1,
        "cog_y_m": -0.2,
        "psi_rad": 0.6,
        "width_m": 0.04,
        "intensity_pe": 500.0,
        "time_gradient_ns_per_m": 0.0,
        "impact_m": 100.0,
        "source_x_m": 0.0,
        "source_y_m": 0.0,
    }
    length = values.pop("length_m", 0.12)
    defaults.update(sigma_head_m=length, sigma_tail_m=length)
    defaults.update(values)
    return ImageModels(**{k: np.full(n, v, dtype=np.float64) for k, v in defaults.items()})


def hillas_moments(x, y, image):
    """Intensity, centroid, length, width (σ of the principal axes) and psi of images.

    Plain weighted moments (Hillas 1985) with numpy, one row per image.
    """
    image = np.atleast_2d(image)
    size = image.sum(axis=1)
    cog_x = image @ x / size
    cog_y = image @ y / size
    dx = x[np.newaxis, :] - cog_x[:, np.newaxis]
    dy = y[np.newaxis, :] - cog_y[:, np.newaxis]
    sxx = np.sum(image * dx * dx, axis=1) / size
    syy = np.sum(image * dy * dy, axis=1) / size
    sxy = np.sum(image * dx * dy, axis=1) / size
    mean = 0.5 * (sxx + syy)
    spread = np.sqrt(0.25 * (sxx - syy) ** 2 + sxy**2)
    psi = 0.5 * np.arctan2(2 * sxy, sxx - syy)
    return {
        "size": size,
        "cog_x": cog_x,
        "cog_y": cog_y,
        "length": np.sqrt(mean + spread),
        "width": np.sqrt(mean - spread),
        "psi": psi,
    }
