"""`DatasetsMaker`: a chain of makers run over many observations, stacked as they come.

Each observation gets a dataset cut out of the reference geometry around its
pointing (map datasets, when a cut-out width is known), then every maker's
``run(dataset, observation)`` in order. Results are consumed in observation order,
so stacking adds them in the same order whatever the executor: the stacked dataset
is identical for "serial", "processes" and "dask". At most a few per-observation
datasets are alive at once, so memory stays flat for long run lists.
"""

from __future__ import annotations

import collections
import os

__all__ = ["DatasetsMaker"]

EXECUTORS = ("serial", "processes", "dask")


def _cutout_geoms(geoms, position, width, mode):
    """The dataset geometries cut around ``position`` (IRF grids keep 3 pixels at least)."""
    out = {"geom": geoms["geom"].cutout(position, width, mode=mode)}
    if geoms.get("geom_exposure") is not None:
        out["geom_exposure"] = geoms["geom_exposure"].cutout(position, width, mode=mode)
    for key in ("geom_psf", "geom_edisp"):
        if geoms.get(key) is not None:
            out[key] = geoms[key].cutout(position, width, mode=mode, min_npix=3)
    return out


def _make_one(cls, geoms, makers, observation, cutout):
    """One observation through the chain of makers (module level, to be picklable)."""
    name = f"obs-{observation.obs_id}"
    if cutout is not None:
        width, mode = cutout
        try:
            geoms = _cutout_geoms(geoms, observation.pointing, width, mode)
        except Exception as err:  # astropy's NoOverlapError and friends
            if type(err).__name__ in ("NoOverlapError", "PartialOverlapError"):
                return None
            raise
    dataset = cls.from_geoms(**geoms, name=name)
    for maker in makers:
        dataset = maker.run(dataset, observation)
    return dataset


class DatasetsMaker:
    """Reduce many observations with a chain of makers, optionally stacking the results.

    Parameters
    ----------
    makers : sequence
        Objects with ``run(dataset, observation) -> dataset`` (e.g. `MapDatasetMaker`,
        `SafeMaskMaker`, a background maker), applied in order.
    stack_datasets : bool
        Stack every result into the reference dataset (returned as the only
        dataset). Default is True; False returns one dataset per observation.
    cutout_mode : {"trim", "partial", "strict"}
        How a cut-out treats the border of the reference map. Default is "trim".
    cutout_width : angle, optional
        Width of the cut-out around each pointing. Default: twice the ``offset_max``
        of a `SafeMaskMaker` in ``makers``, else no cut-out (the whole geometry).
    executor : {"serial", "processes", "dask"}
        Where the observations are reduced. Default is "serial".
    workers : int, optional
        Processes for "processes" / local "dask". Default: CPU count (at most the
        number of observations).
    scheduler : str, optional
        Address of a dask scheduler; default is a local cluster.

    Notes
    -----
    An observation whose cut-out does not overlap the reference geometry is skipped
    (nothing stacked, no dataset returned for it). An observation that lacks an IRF a
    maker needs stops the run with that maker's error (e.g. `MapDatasetMaker` raises
    `~cherenkit.errors.DataFormatError` naming the observation and the HDU).
    """

    tag = "DatasetsMaker"

    def __init__(
        self,
        makers,
        stack_datasets=True,
        cutout_mode="trim",
        cutout_width=None,
        executor="serial",
        *,
        workers=None,
        scheduler=None,
    ):
        import astropy.units as u

        if executor not in EXECUTORS:
            raise ValueError(f"executor must be one of {EXECUTORS}, got {executor!r}")
        if cutout_mode not in ("trim", "partial", "strict"):
            raise ValueError(
                f"cutout_mode must be 'trim', 'partial' or 'strict', got {cutout_mode!r}"
            )
        if workers is not None and int(workers) < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.makers = list(makers)
        self.stack_datasets = bool(stack_datasets)
        self.cutout_mode = cutout_mode
        self.executor = executor
        self.workers = workers
        self.scheduler = scheduler
        if cutout_width is None:
            offset_max = self.offset_max
            cutout_width = None if offset_max is None else 2 * offset_max
        self.cutout_width = None if cutout_width is None else u.Quantity(cutout_width, "deg")

    @property
    def offset_max(self):
        """``offset_max`` of the first maker that has one (a safe-mask maker), or None."""
        for maker in self.makers:
            try:
                value = maker.offset_max
            except AttributeError:
                continue
            if value is not None:
                return value
        return None

    def run(self, dataset, observations):
        """Reduce ``observations`` onto the geometry of ``dataset``.

        Parameters
        ----------
        dataset : `~cherenkit.datasets.MapDataset` or `~cherenkit.datasets.SpectrumDataset`
            Reference dataset: its geometries are used; with ``stack_datasets`` the
            results are stacked into it (in place).
        observations : iterable of `~cherenkit.data.Observation`
            A list (or `~cherenkit.data.Observations`) keeps every observation, and
            the events and IRFs each caches once read, alive until the caller drops
            it; pass an iterator (e.g. ``(store.obs(i) for i in ids)``) for long run
            lists so that each observation is freed after its turn.

        Returns
        -------
        datasets : `~cherenkit.datasets.Datasets`
            The stacked dataset alone, or one dataset per observation in input order
            (observations outside the reference geometry are skipped).
        """
        from cherenkit.datasets import Datasets, MapDataset, SpectrumDataset

        if not isinstance(dataset, MapDataset):
            raise TypeError(
                f"the reference dataset must be a MapDataset or SpectrumDataset, got "
                f"{type(dataset).__name__}"
            )
        if not hasattr(observations, "__len__"):
            # an iterator is consumed as it goes: each observation (with the events and
            # IRFs it caches once loaded) is freed after its turn, so memory stays flat
            observations = _Sized(observations)
        cutout = None
        if self.cutout_width is not None and not isinstance(dataset, SpectrumDataset):
            cutout = (self.cutout_width, self.cutout_mode)
        cls = type(dataset)
        geoms = dataset.geoms
        results = []
        for result in self._iterate(cls, geoms, observations, cutout):
            if result is None:
                continue
            if self.stack_datasets:
                if type(result) is not type(dataset) and hasattr(result, "to_map_dataset"):
                    result = result.to_map_dataset(name=result.name)
                dataset.stack(result)
            else:
                results.append(result)
        return Datasets([dataset] if self.stack_datasets else results)

    def _n_workers(self, n):
        return max(1, min(int(self.workers or os.cpu_count() or 1), n))

    def _iterate(self, cls, geoms, observations, cutout):
        """Results in observation order, at most a few in flight."""
        n = len(observations)
        if (
            self.executor == "serial"
            or n <= 1
            or (self.executor == "processes" and self._n_workers(n) == 1)
        ):
            for observation in observations:
                yield _make_one(cls, geoms, self.makers, observation, cutout)
            return
        if self.executor == "processes":
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
            workers = self._n_workers(n)
            with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
                yield from _in_order(
                    lambda obs: pool.submit(_make_one, cls, geoms, self.makers, obs, cutout),
                    observations,
                    2 * workers,
                )
            return
        yield from self._iterate_dask(cls, geoms, observations, cutout)

    def _iterate_dask(self, cls, geoms, observations, cutout):
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise ImportError(
                "executor='dask' needs dask.distributed: pip install 'dask[distributed]'"
            ) from None
        workers = self._n_workers(len(observations))
        if self.scheduler is not None:
            client, cluster = Client(self.scheduler), None
        else:
            cluster = LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
            )
            client = Client(cluster)
        try:
            yield from _in_order(
                lambda obs: client.submit(
                    _make_one, cls, geoms, self.makers, obs, cutout, pure=False
                ),
                observations,
                2 * workers,
            )
        finally:
            client.close()
            if cluster is not None:
                cluster.close()


class _Sized:
    """An iterator of unknown length, taken as long enough for any number of workers."""

    def __init__(self, items):
        self._items = iter(items)

    def __iter__(self):
        return self._items

    def __len__(self):
        return 2**31


def _in_order(submit, items, max_pending):
    """Submit ``items`` with at most ``max_pending`` in flight; yield results in order."""
    pending = collections.deque()
    items = iter(items)
    for item in items:
        pending.append(submit(item))
        if len(pending) >= max_pending:
            break
    while pending:
        yield pending.popleft().result()
        for item in items:
            pending.append(submit(item))
            break
