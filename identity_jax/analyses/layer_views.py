"""Intermediate ConvNet layers shown as images (Fig 11-14, 19).

For one input and each layer's activation (H, W, C): the top singular vector across channels (the
best rank-one summary of the layer, as an image), the channel most correlated with the input, and
channel 0 (an arbitrary but fixed one, to see raw activations).
"""

import numpy as np

from identity_jax import models
from identity_jax.errors import ConfigError
from identity_jax.measures import metrics


def top_singular_image(act_hwc: np.ndarray) -> np.ndarray:
  """Left singular vector of the (H*W, C) activation matrix with the largest singular value, as an
  (H, W) image; its sign is chosen so that it correlates positively with the channel mean."""
  h, w, c = act_hwc.shape
  m = np.asarray(act_hwc, np.float64).reshape(h * w, c)
  u, _, _ = np.linalg.svd(m, full_matrices=False)
  v = u[:, 0]
  if np.dot(v - v.mean(), m.mean(1) - m.mean()) < 0:
    v = -v
  return v.reshape(h, w)


def most_correlated_channel(act_hwc: np.ndarray, x_hw: np.ndarray) -> tuple[int, np.ndarray]:
  """(index, image) of the channel with the highest Pearson correlation with the input."""
  chans = np.moveaxis(np.asarray(act_hwc), -1, 0)
  corr = np.asarray(metrics.pearson(chans, np.broadcast_to(x_hw, chans.shape)))
  best = int(np.nanargmax(corr))
  return best, chans[best]


def layer_views(model, params, x_hw: np.ndarray) -> list[dict]:
  """Per layer: {'top_sv', 'best_channel', 'best_index', 'channel_0'} images for one input."""
  if not models.family_of(model).image_layers:
    raise ConfigError("layer views need a ConvNet (FCN layers are not images)",
                      "use a ConvNet cell for this analysis")
  _, state = model.apply(params, x_hw[None], mutable=["intermediates"])
  inter = state["intermediates"]
  views = []
  for i in range(model.cfg.depth):
    act = np.asarray(inter[f"output_{i}"][0][0])  # (H, W, C)
    idx, best = most_correlated_channel(act, x_hw)
    views.append(dict(top_sv=top_singular_image(act), best_channel=best, best_index=idx,
                      channel_0=act[..., 0]))
  return views
