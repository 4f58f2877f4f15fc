"""Hook specifications: the whole contract between the cherenkit core and its plugins.

A plugin is a module named by an entry point in the group ``cherenkit``::

    # pyproject.toml of the plugin distribution
    [project.entry-points.cherenkit]
    cleaning = "cherenkit_cleaning.plugin"

The module declares the plugin API range it was built for and implements one or
more of the hooks below with ``@cherenkit.hookimpl``::

    cherenkit_api = ">=1.0,<2"

    @hookimpl
    def cherenkit_register_cleaners():
        return [TailcutsCleaner, MarsCleaner]

Every ``cherenkit_register_*`` hook takes no arguments, returns a list of classes
and does no work or I/O. Each class subclasses the base class of its kind (named
in the hook's docstring), is an attrs class whose fields are its parameters
(declared with `cherenkit.component.parameter`), carries an explicit kebab-case
``name`` unique within its kind, and has a one-line summary as the first line of
its docstring. The base class docstring states the batch-first contract: array
shapes, units and errors.
"""

import pluggy

hookspec = pluggy.HookspecMarker("cherenkit")

# --- camera events → images → showers -------------------------------------------


@hookspec
def cherenkit_register_event_sources():
    """Declare event source classes.

    Returns
    -------
    list of type
        Subclasses of `cherenkit.events.EventSource`, each with an
        ``is_compatible(path) -> bool`` classmethod used to pick a source for a file.
    """


@hookspec
def cherenkit_register_charge_extractors():
    """Declare charge extractor classes.

    Returns
    -------
    list of type
        Subclasses of `cherenkit.calib.ChargeExtractor`: waveforms
        ``[n_events, n_pixels, n_samples]`` → charge and peak time ``[n_events, n_pixels]``.
    """


@hookspec
def cherenkit_register_cleaners():
    """Declare image cleaner classes.

    Returns
    -------
    list of type
        Subclasses of `cherenkit.image.ImageCleaner`: geometry, images and peak times
        ``[n_events, n_pixels]`` → boolean mask ``[n_events, n_pixels]``.
    """


@hookspec
def cherenkit_register_reconstructors():
    """Declare stereo shower reconstructor classes.

    Returns
    -------
    list of type
        Subclasses of `cherenkit.reco.Reconstructor`: subarray and per-telescope DL1
        parameters of many array events → direction, core and h_max per event.
    """


# --- DL3 → datasets → fits ------------------------------------------------------


@hookspec
def cherenkit_register_background_makers():
    """Declare background maker classes.

    Returns
    -------
    list of type
        Subclasses of `cherenkit.makers.BackgroundMaker`: ``run(dataset, observation)``
        → a dataset with a background estimate (or an On/Off dataset).
    """


@hookspec
def cherenkit_register_safe_mask_methods():
    """Declare safe-mask method classes.

    Returns
    -------
    list of type
        Subclasses of `cherenkit.makers.SafeMaskMethod`: ``(dataset, observation)``
        → boolean mask of the dataset's shape; `SafeMaskMaker` combines them with AND.
    """


@hookspec
def cherenkit_register_fit_statistics():
    """Declare fit statistic classes.

    Returns
    -------
    list of type
        Subclasses of `cherenkit.modeling.FitStatistic`: counts and predicted counts
        (plus off counts and alpha, or errors) per bin → statistic per bin.
    """
