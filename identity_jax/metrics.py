"""How close each prediction is to the identity (the input) and to the constant (the training image).

For every test image three similarities are computed, all per image over its pixels:
  corr  Pearson correlation (centred), our reading of the paper's "correlation", and what the rho
        test sets hold fixed; 0 where an image is constant
  cos   cosine similarity (uncentred), kept so the Pearson-or-cosine question can be settled from data
  mse   mean squared error (Appendix I)
"to constant" compares with the training image; with k > 1 training images it takes the closest one
(highest corr / cos, lowest mse), since a memorizing net outputs one of them or a mixture.
"""

import jax
import jax.numpy as jnp
import numpy as np

METRICS = ("corr_identity", "corr_constant", "cos_identity", "cos_constant",
           "mse_identity", "mse_constant")
_TINY = 1e-12


def _flat(x):
  return x.reshape(x.shape[:-2] + (-1,))


def _cos_flat(a, b):
  return jnp.sum(a * b, -1) / (jnp.linalg.norm(a, axis=-1) * jnp.linalg.norm(b, axis=-1) + _TINY)


def cosine(a, b):
  return _cos_flat(_flat(a), _flat(b))


def pearson(a, b):
  a, b = _flat(a), _flat(b)
  return _cos_flat(a - a.mean(-1, keepdims=True), b - b.mean(-1, keepdims=True))


def mse(a, b):
  return jnp.mean((_flat(a) - _flat(b)) ** 2, axis=-1)


def similarities(pred_nhw, inputs_nhw, train_khw) -> dict:
  """Per-image metrics -> dict of (n,) arrays, keys METRICS."""
  to_train = lambda f: f(pred_nhw[:, None], train_khw[None])  # (n, k)
  return {
      "corr_identity": pearson(pred_nhw, inputs_nhw),
      "corr_constant": to_train(pearson).max(-1),
      "cos_identity": cosine(pred_nhw, inputs_nhw),
      "cos_constant": to_train(cosine).max(-1),
      "mse_identity": mse(pred_nhw, inputs_nhw),
      "mse_constant": to_train(mse).min(-1),
  }


def evaluate(model, params, train_khw, suites: dict, batch: int = 32):
  """Predictions and metrics of every seed on every suite.

  params carry a leading seed axis. Returns (predictions, metrics): suite -> (S, n, H, W) and
  suite -> metric -> (S, n) numpy arrays. Images go through in batches of `batch` to bound memory.
  """
  apply = jax.jit(jax.vmap(model.apply, in_axes=(0, None)))
  score = jax.jit(jax.vmap(similarities, in_axes=(0, None, None)))
  train_khw = jnp.asarray(train_khw)
  predictions, metrics = {}, {}
  for name, images in suites.items():
    parts = [apply(params, jnp.asarray(images[i:i + batch])) for i in range(0, len(images), batch)]
    pred = jnp.concatenate(parts, axis=1)
    predictions[name] = np.asarray(pred)
    metrics[name] = {k: np.asarray(v) for k, v in score(pred, jnp.asarray(images), train_khw).items()}
  return predictions, metrics
