"""cherenkit-toysim: synthetic showers for cherenkit, no data files needed.

* ``toy`` (`ToyEventSource`): an event source that simulates gamma-ray showers
  seen by a toy array of LST-, MST- and SST-like telescopes, with R1 waveforms
  and the simulated truth.

The steps are plain functions that can be used on their own:
`cherenkit_toysim.showers` (spectrum, directions, cores, depths, light pool),
`cherenkit_toysim.images` (projective image geometry, expected and sampled
images), `cherenkit_toysim.waveforms` (noise and R1 waveforms),
`cherenkit_toysim.cameras` and `cherenkit_toysim.layout` (the toy instrument).
"""

from importlib.metadata import PackageNotFoundError, version

from .source import ToyBatch, ToyEventSource

try:
    __version__ = version("cherenkit-toysim")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

__all__ = ["ToyBatch", "ToyEventSource", "__version__"]
