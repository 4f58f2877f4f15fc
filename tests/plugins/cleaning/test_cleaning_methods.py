"""The cleaning methods on small hand-made images whose masks are worked out by hand.

Most images live on a 5 x 5 square-pixel camera: pixel ``p = x + 5 y`` has the
neighbours left, right, above and below (not diagonal). ``grid(rows)`` turns a
list of rows (``rows[y][x]``) into such an image.
"""

import numpy as np
import pytest

from cherenkit.instrument import CameraGeometry
from cherenkit_cleaning import (
    TimeConstrainedCleaner,
    apply_time_delta_cleaning,
    apply_time_delta_cleaning_batch,
    fact_image_cleaning,
    mars_image_cleaning,
    tailcuts_clean,
    tailcuts_clean_batch,
    time_constrained_clean,
    time_constrained_clean_batch,
)

SQUARE = CameraGeometry.make_rectangular(n_x=5, n_y=5)
ROW = CameraGeometry.make_rectangular(n_x=6, n_y=1)  # pixels 0-1-2-3-4-5


def grid(rows):
    return np.array(rows, dtype=float).ravel()


def kept(mask):
    return set(np.flatnonzero(mask).tolist())


def test_the_test_camera_has_four_neighbours_per_pixel():
    assert SQUARE.neighbors[12].tolist() == [7, 11, 13, 17]
    assert SQUARE.neighbors[0].tolist() == [1, 5]
    assert ROW.neighbors[2].tolist() == [1, 3]


# --- tailcuts ----------------------------------------------------------------------

# picture pixels (>= 10): 6, 7 (a pair) and 19 (alone); boundary (>= 5): 8, 12, 20
TAILCUTS_IMAGE = grid(
    [
        [0, 0, 0, 0, 0],
        [0, 12, 11, 6, 0],
        [0, 0, 6, 0, 0],
        [0, 0, 0, 0, 15],
        [7, 0, 0, 0, 0],
    ]
)


@pytest.mark.parametrize(
    ("keep_isolated", "min_neighbors", "expected"),
    [
        # the pair and its boundary neighbours 8 and 12; 19 has no boundary neighbour
        # and 20 no picture neighbour
        (False, 0, {6, 7, 8, 12}),
        (True, 0, {6, 7, 8, 12, 19}),  # 19 kept alone
        (False, 1, {6, 7, 8, 12}),  # each pixel of the pair has one picture neighbour
        (False, 2, set()),  # ... but not two: no picture pixel is left
        (True, 2, {6, 7, 8, 12, 19}),  # keep_isolated_pixels drops the neighbour count
    ],
)
def test_tailcuts_by_hand(keep_isolated, min_neighbors, expected):
    mask = tailcuts_clean(
        SQUARE,
        TAILCUTS_IMAGE,
        picture_thresh=10,
        boundary_thresh=5,
        keep_isolated_pixels=keep_isolated,
        min_number_picture_neighbors=min_neighbors,
    )
    assert kept(mask) == expected


def test_tailcuts_thresholds_are_inclusive():
    image = np.array([0.0, 5.0, 10.0, 0.0, 0.0, 0.0])
    assert kept(tailcuts_clean(ROW, image, picture_thresh=10, boundary_thresh=5)) == {1, 2}
    nudged = np.nextafter(image, 0.0)
    assert kept(tailcuts_clean(ROW, nudged, picture_thresh=10, boundary_thresh=5)) == set()


def test_a_nan_pixel_passes_no_threshold_and_links_nothing():
    image = TAILCUTS_IMAGE.copy()
    image[7] = np.nan  # was the second picture pixel of the pair
    # 6 is still a picture pixel but has no boundary neighbour left: nothing survives
    assert kept(tailcuts_clean(SQUARE, image, picture_thresh=10, boundary_thresh=5)) == set()
    assert kept(
        tailcuts_clean(
            SQUARE, image, picture_thresh=10, boundary_thresh=5, keep_isolated_pixels=True
        )
    ) == {6, 19}
    image[:] = np.nan
    assert not tailcuts_clean(SQUARE, image, picture_thresh=10, boundary_thresh=5).any()


def test_tailcuts_with_a_boundary_above_the_picture_threshold():
    # boundary 12 > picture 10: picture pixels below 12 need a neighbour >= 12
    image = np.array([0.0, 11.0, 13.0, 0.0, 11.0, 0.0])
    mask = tailcuts_clean(ROW, image, picture_thresh=10, boundary_thresh=12)
    # 1: picture, next to 13 (>= 12) -> kept; 2: >= 12 next to picture 1 -> kept;
    # 4: picture without a neighbour >= 12 -> dropped
    assert kept(mask) == {1, 2}


def test_batch_images_are_cleaned_independently():
    images = np.array([TAILCUTS_IMAGE, np.zeros(25), TAILCUTS_IMAGE[::-1]])
    masks = tailcuts_clean_batch(SQUARE, images, picture_thresh=10, boundary_thresh=5)
    for image, mask in zip(images, masks, strict=True):
        np.testing.assert_array_equal(
            mask, tailcuts_clean(SQUARE, image, picture_thresh=10, boundary_thresh=5)
        )
    assert kept(masks[0]) == {6, 7, 8, 12} and not masks[1].any()


# --- MARS --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("image", "keep_isolated", "expected"),
    [
        # tailcuts keeps 1, 2; the second ring adds 3 (>= 5 next to 2), not 4
        ([0, 12, 6, 6, 6, 1], False, {1, 2, 3}),
        # a lone picture pixel: nothing without keep_isolated_pixels ...
        ([0, 0, 12, 0, 0, 0], False, set()),
        ([0, 0, 12, 0, 0, 0], True, {2}),
        # ... and with it, its boundary neighbours and theirs
        ([0, 6, 12, 0, 0, 0], True, {1, 2}),
        ([6, 6, 12, 0, 0, 0], True, {0, 1, 2}),
    ],
)
def test_mars_by_hand(image, keep_isolated, expected):
    mask = mars_image_cleaning(
        ROW,
        np.array(image, dtype=float),
        picture_thresh=10,
        boundary_thresh=5,
        keep_isolated_pixels=keep_isolated,
    )
    assert kept(mask) == expected


# --- FACT and the time-delta step ---------------------------------------------------


def test_fact_by_hand():
    image = np.array([3.0, 5.0, 6.0, 5.0, 3.0, 0.0])
    times = np.array([10.0, 11.0, 12.0, 13.0, 30.0, 0.0])
    # steps 1-2: 1, 2, 3; step 3 adds 0 and 4 (>= 2 next to them); step 4 drops 4
    # (its only selected neighbour arrived 17 ns earlier)
    mask = fact_image_cleaning(ROW, image, times, min_number_neighbors=1)
    assert kept(mask) == {0, 1, 2, 3}
    # without a neighbour requirement the time steps are skipped
    assert kept(fact_image_cleaning(ROW, image, times, min_number_neighbors=0)) == {0, 1, 2, 3, 4}
    # a pair in time survives; the time limit is exclusive
    times = np.array([0.0, 0.0, 5.0, 10.0, 10.0, 15.0])
    image = np.full(6, 10.0)
    assert kept(fact_image_cleaning(ROW, image, times, min_number_neighbors=1)) == {0, 1, 3, 4}
    assert kept(
        fact_image_cleaning(ROW, image, times, min_number_neighbors=1, time_limit=5.0001)
    ) == set(range(6))


def test_time_delta_by_hand():
    mask = np.array([True, True, True, False, True, True])
    times = np.array([10.0, 11.0, 20.0, 20.0, 30.0, np.nan])
    # 0-1 agree in time; 2 differs from 1, and 3 is not selected; 4 is next to a NaN time
    result = apply_time_delta_cleaning(ROW, mask, times, min_number_neighbors=1, time_limit=2)
    assert kept(result) == {0, 1}
    assert kept(
        apply_time_delta_cleaning(ROW, mask, times, min_number_neighbors=0, time_limit=2)
    ) == kept(mask)
    # judged on the input mask: removing 2 does not remove 1 as well
    result = apply_time_delta_cleaning(ROW, mask, times, min_number_neighbors=2, time_limit=100)
    assert kept(result) == {1}
    batch = apply_time_delta_cleaning_batch(
        ROW, np.array([mask, ~mask]), np.array([times, times]), min_number_neighbors=1, time_limit=2
    )
    assert kept(batch[0]) == {0, 1} and kept(batch[1]) == set()


# --- time-constrained ---------------------------------------------------------------


def test_time_constrained_uses_the_brightest_island():
    image = np.array([6.0, 10.0, 10.0, 6.0, 9.0, 9.0])
    times = np.array([10.0, 10.0, 11.0, 13.0, 20.0, 20.0])
    # islands {1, 2} (sum 20) and {4, 5} (sum 18): reference time 10.5 from the first;
    # 0 is a boundary pixel in time with core pixel 1, 3 is 2 ns from core pixel 2
    mask = time_constrained_clean(ROW, image, times, picture_thresh=8)
    assert kept(mask) == {0, 1, 2}
    # equal sums: the island with the lowest pixel index wins
    image[4:] = 10.0
    assert kept(time_constrained_clean(ROW, image, times, picture_thresh=8)) == {0, 1, 2}
    image[4:] = 10.5
    assert kept(time_constrained_clean(ROW, image, times, picture_thresh=8)) == {4, 5}


def test_time_constrained_doubles_the_core_limit_of_bright_pixels():
    image = np.array([6.0, 6.0, 12.0, 12.0, 12.0, 0.0])
    times = np.array([0.0, 0.0, 3.0, 3.0, 5.5, 0.0])
    # one island; weights 36, 36, 144, 144, 144: reference time 1656 / 504 = 3.286 ns.
    # 0, 1 (< 2 * 5 p.e.) are 3.29 ns off, beyond 2 ns; 4 (>= 10 p.e.) is 2.21 ns off,
    # within 2 * 2 ns. As boundary pixels, 1 is 3 ns from core 2, beyond 1 ns.
    mask = time_constrained_clean(
        ROW,
        image,
        times,
        picture_thresh=5,
        boundary_thresh=3,
        time_limit_core=2,
        time_limit_boundary=1,
    )
    assert kept(mask) == {2, 3, 4}


RING = grid(
    [
        [0, 0, 0, 0, 0],
        [0, 12, 12, 12, 0],
        [6, 12, 6, 12, 0],
        [0, 12, 12, 12, 0],
        [0, 0, 0, 0, 0],
    ]
)


def test_time_constrained_boundary_pixels_need_enough_core_neighbours_in_time():
    # the eight ring pixels have two picture neighbours each: all core.
    times = np.full(25, 10.0)
    times[12] = 10.5
    mask = time_constrained_clean(
        SQUARE, RING, times, picture_thresh=10, min_number_picture_neighbors=2
    )
    # the centre 12 has four core neighbours in time; 10 has one core neighbour only
    ring = {6, 7, 8, 11, 13, 16, 17, 18}
    assert kept(mask) == ring | {12}
    mask = time_constrained_clean(
        SQUARE, RING, times, picture_thresh=10, min_number_picture_neighbors=1
    )
    assert kept(mask) == ring | {10, 12}
    # three of the centre's core neighbours arrive late: one left in time, two needed
    times[[7, 11, 13]] = 13.0
    mask = time_constrained_clean(
        SQUARE, RING, times, picture_thresh=10, min_number_picture_neighbors=2
    )
    assert kept(mask) == ring


def test_time_constrained_without_core_pixels_keeps_nothing():
    image = np.array([6.0, 12.0, 6.0, 0.0, 0.0, 0.0])  # one picture pixel, no picture neighbour
    times = np.zeros(6)
    assert not time_constrained_clean(ROW, image, times, picture_thresh=10).any()
    times[1] = np.nan  # the reference time is NaN: no core pixel is in time
    image[2] = 12.0
    assert not time_constrained_clean(ROW, image, times, picture_thresh=10).any()


def test_time_constrained_without_time_limits_is_tailcuts(toy_reference):
    """Infinite limits, one neighbour, picture >= boundary: exactly tailcuts.

    Every core pixel then has a picture (so boundary) neighbour and every boundary
    pixel next to a core pixel is kept, as in `tailcuts_clean` with one neighbour.
    """
    for camera, geometry in toy_reference.geometries.items():
        images = toy_reference[f"{camera}_image"]
        times = toy_reference[f"{camera}_peak_time"]
        for picture, boundary in [(10, 5), (6, 3), (8, 8)]:
            ours = time_constrained_clean_batch(
                geometry,
                images,
                times,
                picture_thresh=picture,
                boundary_thresh=boundary,
                time_limit_core=np.inf,
                time_limit_boundary=np.inf,
                min_number_picture_neighbors=1,
            )
            want = tailcuts_clean_batch(
                geometry,
                images,
                picture_thresh=picture,
                boundary_thresh=boundary,
                min_number_picture_neighbors=1,
            )
            np.testing.assert_array_equal(ours, want, err_msg=f"{camera} {picture}/{boundary}")


def test_time_constrained_batch_per_image_and_class_agree(toy_reference):
    n_kept = 0
    for camera, geometry in toy_reference.geometries.items():
        images = toy_reference[f"{camera}_image"]
        times = toy_reference[f"{camera}_peak_time"]
        cleaner = TimeConstrainedCleaner(picture_thresh=8, boundary_thresh=4)
        batch = cleaner(geometry, images, times)
        for image, time, mask in zip(images, times, batch, strict=True):
            single = time_constrained_clean(
                geometry,
                image,
                time,
                picture_thresh=8,
                boundary_thresh=4,
                min_number_picture_neighbors=2,
            )
            np.testing.assert_array_equal(single, mask, err_msg=camera)
        # the time limits remove pixels the same thresholds keep without them
        untimed = TimeConstrainedCleaner(
            picture_thresh=8, boundary_thresh=4, time_limit_core=1e9, time_limit_boundary=1e9
        )(geometry, images, times)
        assert not (batch & ~untimed).any()
        n_kept += batch.sum()
        assert (untimed & ~batch).any(), camera
    assert n_kept > 0
