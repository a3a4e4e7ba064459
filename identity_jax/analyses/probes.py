"""Probing a trained ConvNet with inputs it never saw in training.

Upper subnetworks (Fig 20-22, Appendix H.2): a test pattern, repeated across the input channels of
layer k, goes straight into layer k; the output shows what the top L - k layers alone do.
Other input sizes (Fig 3b, 18): a net trained at 28x28 applied to the same images at 7..112.
"""

import jax.numpy as jnp
import numpy as np

from identity_jax import models
from identity_jax.data import images
from identity_jax.errors import ConfigError


def _require_convnet(model, what):
  family = models.family_of(model)
  if not family.image_layers:
    raise ConfigError(f"{what} needs a model whose layers are images (a ConvNet); {family.name} has "
                      "a fixed input size and no channels", "use a ConvNet cell for this analysis")


def upper_subnetwork(model, params, x_nhw, top_layers: int) -> np.ndarray:
  """Outputs of the top `top_layers` layers alone for inputs x (n, H, W)."""
  _require_convnet(model, "an upper subnetwork")
  depth = model.cfg.depth
  if not 1 <= top_layers <= depth:
    raise ConfigError(f"top_layers = {top_layers} is outside 1..{depth}",
                      f"ask for 1..{depth} top layers of this {depth}-layer net")
  return np.asarray(model.apply(params, jnp.asarray(x_nhw), start_layer=depth - top_layers))


def at_sizes(model, params, x_nhw, sizes) -> dict:
  """{size: (inputs at that size, predictions)} for 28x28 (or any) inputs resized to each size."""
  _require_convnet(model, "other input sizes")
  out = {}
  for s in sizes:
    xs = images.resize(x_nhw, s)
    out[s] = (xs, np.asarray(model.apply(params, jnp.asarray(xs))))
  return out
