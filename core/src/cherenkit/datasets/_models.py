"""What a dataset does with models: predicted counts and the fit statistic.

`ModelsMixin` is part of every dataset class. Setting ``dataset.models`` keeps the
models that apply to the dataset (``datasets_names`` empty or naming it) and builds
one `~cherenkit.datasets.evaluator.MapEvaluator` per sky model. The statistic is the
fit-statistic plugin named by ``stat_type`` (``"cash"`` for `MapDataset` and
`SpectrumDataset`, ``"wstat"`` for the On/Off datasets); set ``dataset.stat_type`` to
use another installed one. Statistics that profile the background (wstat) get the
predicted *signal*; the others get signal + background.
"""

from __future__ import annotations

import contextlib

import numpy as np

from .evaluator import MapEvaluator, _full_slices

__all__ = ["ModelsMixin"]


class ModelsMixin:
    """Models, predicted counts and the fit statistic of a dataset."""

    # --- models ------------------------------------------------------------------------

    @property
    def models(self):
        """The `~cherenkit.modeling.Models` that apply to this dataset (or None)."""
        return self.__dict__.get("_models")

    @models.setter
    def models(self, models):
        from cherenkit.modeling import FoVBackgroundModel, Models

        if models is None:
            self.__dict__["_models"] = None
            self.__dict__["_evaluators"] = {}
            return
        models = Models(models).select(datasets_names=self.name)
        background = [m for m in models if isinstance(m, FoVBackgroundModel)]
        if len(background) > 1:
            raise ValueError(
                f"dataset {self.name!r} has {len(background)} background models "
                f"({[m.name for m in background]}); one FoVBackgroundModel per dataset"
            )
        if background and self.stat_type == "wstat":
            raise ValueError(
                f"dataset {self.name!r} takes its background from OFF counts; it cannot "
                f"have a FoVBackgroundModel ({background[0].name!r})"
            )
        if background and self.background is None:
            raise ValueError(
                f"dataset {self.name!r} has no background map for {background[0].name!r}"
            )
        self.__dict__["_models"] = models
        self.__dict__["_evaluators"] = {
            m.name: MapEvaluator(m, self) for m in models if not isinstance(m, FoVBackgroundModel)
        }

    def _background_model(self):
        from cherenkit.modeling import FoVBackgroundModel

        for model in self.models or ():
            if isinstance(model, FoVBackgroundModel):
                return model
        return None

    # --- predicted counts (plain arrays inside, Maps at the API) -------------------------

    def _npred_background_data(self):
        """Background counts per bin with the background model's spectral correction,
        evaluated at the log centres of the reconstructed-energy bins."""
        if self.background is None:
            return np.zeros(self.counts.data.shape)
        if self._background_model() is None:
            return self.background.data
        return self.background.data * self._background_factor()

    def _npred_signal_data(self, model_names=None):
        out = np.zeros(self.counts.data.shape)
        for name, evaluator in self.__dict__.get("_evaluators", {}).items():
            if model_names is not None and name not in model_names:
                continue
            slices, npred = evaluator.compute_npred()
            if npred is not None:
                out[_full_slices(slices)] += npred
        return out

    def npred_signal(self, model_names=None):
        """Predicted source counts (sum over the sky models, or those named), a Map."""
        return self.counts.copy(data=self._npred_signal_data(model_names), unit="")

    def npred_background(self):
        """Predicted background counts (the background map × its model), a Map.

        On/Off datasets return the background profiled by their statistic at the
        current source models (wstat's ``alpha × mu_bkg``).
        """
        statistic = self.fit_statistic
        if statistic.profiles_background and getattr(self, "counts_off", None) is not None:
            data = statistic.npred_background(
                self.counts.data, self._npred_signal_data(), **self._stat_inputs(statistic)
            )
        else:
            data = self._npred_background_data()
        return self.counts.copy(data=data, unit="")

    def npred(self):
        """Predicted counts: `npred_background` + `npred_signal`, a Map."""
        return self.counts.copy(
            data=self.npred_background().data + self._npred_signal_data(), unit=""
        )

    # --- fit statistic -----------------------------------------------------------------

    @property
    def fit_statistic(self):
        """The fit-statistic plugin instance named by ``stat_type``."""
        cached = self.__dict__.get("_fit_statistic")
        if cached is None or cached.name != self.stat_type:
            from cherenkit import registry

            cached = registry.get("fit-statistic", self.stat_type)()
            self.__dict__["_fit_statistic"] = cached
        return cached

    def _stat_inputs(self, statistic):
        """The extra per-bin arrays ``statistic`` needs, from this dataset."""
        available = {}
        if getattr(self, "counts_off", None) is not None:
            available["counts_off"] = self.counts_off.data
            with np.errstate(invalid="ignore", divide="ignore"):
                alpha = self.acceptance.data / self.acceptance_off.data
            available["alpha"] = np.nan_to_num(alpha, posinf=0.0, neginf=0.0)
        if getattr(self, "counts_err", None) is not None:
            available["counts_err"] = self.counts_err.data
        missing = [name for name in statistic.inputs if name not in available]
        if missing:
            raise ValueError(
                f"dataset {self.name!r} ({type(self).__name__}) cannot use the fit statistic "
                f"{statistic.name!r}: it has no {', '.join(missing)}"
            )
        return {name: available[name] for name in statistic.inputs}

    def _stat_arrays(self):
        """counts, the statistic's npred, the extra inputs, all on the bins of ``mask``."""
        statistic = self.fit_statistic
        mask = self.mask
        index = Ellipsis if mask is None else mask.data.astype(bool, copy=False)
        npred = self._npred_signal_data()
        if not statistic.profiles_background:
            npred = npred + self._npred_background_data()
        inputs = {k: v[index] for k, v in self._stat_inputs(statistic).items()}
        return self.counts.data[index], npred[index], inputs

    def stat_array(self):
        """The statistic per bin (all bins, masks not applied), a plain array."""
        statistic = self.fit_statistic
        npred = self._npred_signal_data()
        if not statistic.profiles_background:
            npred = npred + self._npred_background_data()
        return statistic.stat_array(self.counts.data, npred, **self._stat_inputs(statistic))

    def stat_sum(self):
        """The statistic summed over the bins in ``mask`` (safe and fit masks)."""
        session = self.__dict__.get("_fit_session")
        if session is not None:
            return self._stat_sum_in_session(session)
        counts, npred, inputs = self._stat_arrays()
        return float(np.sum(self.fit_statistic.evaluate(counts, npred, **inputs)))

    # --- fits: data held fixed, only the models change ---------------------------------

    @contextlib.contextmanager
    def fit_session(self):
        """While open, `stat_sum` may cache what only depends on the data (the masked
        arrays, and for map datasets the statistic of the bins no source reaches, per
        background-model value). `~cherenkit.modeling.Fit` opens one around each
        minimisation; do not change the dataset's maps or masks inside it."""
        outer = "_fit_session" in self.__dict__
        if not outer:
            self.__dict__["_fit_session"] = {}
        try:
            yield self
        finally:
            if not outer:
                self.__dict__.pop("_fit_session", None)

    def _stat_sum_in_session(self, session):
        statistic = self.fit_statistic
        if "counts" not in session:
            mask = self.mask
            session["mask"] = None if mask is None else mask.data.astype(bool)
            session["counts"] = self.counts.data
            session["inputs"] = self._stat_inputs(statistic)
            background = self.background
            session["background"] = (
                np.zeros(self.counts.data.shape) if background is None else background.data
            )
        pieces = []
        for evaluator in self.__dict__.get("_evaluators", {}).values():
            slices, npred = evaluator.compute_npred()
            if npred is not None:
                pieces.append((slices, npred))
        local = (
            not statistic.profiles_background
            and pieces
            and all(slices != (Ellipsis,) for slices, _ in pieces)
        )
        if not local:
            npred = np.zeros(session["counts"].shape)
            for slices, piece in pieces:
                npred[_full_slices(slices)] += piece
            if not statistic.profiles_background:
                npred += session["background"] * self._background_factor()
            return self._masked_stat(session, Ellipsis, npred)
        # bins reached by a source: a box around all their cut-outs; elsewhere the
        # statistic depends only on the background model, so it is cached per its value
        y0 = min(sl[0].start for sl, _ in pieces)
        y1 = max(sl[0].stop for sl, _ in pieces)
        x0 = min(sl[1].start for sl, _ in pieces)
        x1 = max(sl[1].stop for sl, _ in pieces)
        box = (slice(None), slice(y0, y1), slice(x0, x1))
        factor = self._background_factor()
        outside = session.get("outside")
        if outside is None or outside["box"] != (y0, y1, x0, x1):
            outside = session["outside"] = self._outside_sum(session, (y0, y1, x0, x1))
        key = tuple(factor.ravel())
        if outside["key"] != key:
            outside["sum"], outside["key"] = outside["total"](factor.ravel()), key
        npred = session["background"][box] * factor
        for slices, piece in pieces:
            npred[:, slices[0].start - y0 : slices[0].stop - y0,
                  slices[1].start - x0 : slices[1].stop - x0] += piece  # fmt: skip
        return outside["sum"] + self._masked_stat(session, box, npred)

    def _outside_sum(self, session, box):
        """The masked bins outside ``box``: their statistic as a function of the
        background factors per energy bin (`FitStatistic.scaled_sum`)."""
        y0, y1, x0, x1 = box
        shape = session["counts"].shape
        keep = np.ones(shape, dtype=bool) if session["mask"] is None else session["mask"].copy()
        keep[:, y0:y1, x0:x1] = False
        index = np.nonzero(keep)
        total = self.fit_statistic.scaled_sum(
            session["counts"][index],
            session["background"][index],
            index[0],
            shape[0],
            **{k: v[index] for k, v in session["inputs"].items()},
        )
        return {"box": box, "key": None, "total": total}

    def _masked_stat(self, session, index, npred):
        """Statistic summed over the masked bins of ``counts[index]``."""
        mask = session["mask"]
        counts = session["counts"][index]
        inputs = {k: v[index] for k, v in session["inputs"].items()}
        if mask is not None:
            selected = mask[index]
            counts, npred = counts[selected], npred[selected]
            inputs = {k: v[selected] for k, v in inputs.items()}
        return float(np.sum(self.fit_statistic.evaluate(counts, npred, **inputs)))

    def _background_factor(self):
        """The background model's correction per reconstructed-energy bin, shaped to
        broadcast against the counts (ones without a model)."""
        shape = (-1, *([1] * (self.counts.data.ndim - 1)))
        model = self._background_model()
        if model is None:
            return np.ones(self.counts.data.shape[0]).reshape(shape)
        energy = self.counts.geom.axis("energy").center.to_value("TeV")
        return model.spectral_model.dnde_values(energy).reshape(shape)
