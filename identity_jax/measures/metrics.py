"""How close each prediction is to the identity (the input) and to the constant (the training image).

For every test image three similarities are computed, all per image over its pixels:
  corr  Pearson correlation (centred), our reading of the paper's "correlation", and what the rho
        test sets hold fixed; 0 where an image is constant
  cos   cosine similarity (uncentred), kept so the Pearson-or-cosine question can be settled from data
  mse   mean squared error (Appendix I)
"to constant" compares with the training image; with 2 or 3 training images it takes the closest one
(highest corr / cos, lowest mse), since a memorizing net outputs one of them or a mixture. With more
than MAX_CONSTANT_IMAGES it is NaN (not computed): the best of thousands of digits matches almost any
output, so it measures the training set, not the network.

Output spread (`output_spread`): per seed, the variance of each output pixel across the test inputs,
averaged over pixels, relative to the same for the inputs. A seed that did not fit and whose spread is
below metrics.dead_threshold is dead: its output does not depend on its input (e.g. every ReLU off, the
output is the last bias); Pearson correlation reads 0 there, which is not a bias.
"""

import functools

import jax
import jax.numpy as jnp
import numpy as np

METRICS = ("corr_identity", "corr_constant", "cos_identity", "cos_constant",
           "mse_identity", "mse_constant")
_TINY = 1e-12
MAX_CONSTANT_IMAGES = 3


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
  if train_khw.shape[0] > MAX_CONSTANT_IMAGES:
    to_train = lambda f: jnp.full(pred_nhw.shape[:1] + (1,), jnp.nan, pred_nhw.dtype)
  else:
    to_train = lambda f: f(pred_nhw[:, None], train_khw[None])  # (n, k)
  return {
      "corr_identity": pearson(pred_nhw, inputs_nhw),
      "corr_constant": to_train(pearson).max(-1),
      "cos_identity": cosine(pred_nhw, inputs_nhw),
      "cos_constant": to_train(cosine).max(-1),
      "mse_identity": mse(pred_nhw, inputs_nhw),
      "mse_constant": to_train(mse).min(-1),
  }


def output_spread(pred_snhw, inputs_nhw) -> np.ndarray:
  """(S,) per seed: variance across the n inputs of each output pixel, averaged over pixels,
  divided by the same for the inputs."""
  spread = lambda x: np.var(np.asarray(x, np.float64), axis=-3).mean(axis=(-2, -1))
  return spread(pred_snhw) / max(float(spread(inputs_nhw)), _TINY)


def is_flat(spread: float, dead_threshold: float) -> bool:
  """An output that does not depend on the input (a NaN spread, from a diverged net, counts too)."""
  return not spread >= dead_threshold


def _padded_batches(images, batch: int):
  """(n, batch images): the images `batch` at a time, the last batch's n followed by blank images:
  one compiled shape for suites of any length (every model and metric maps each image on its own,
  so the blanks' results are dropped)."""
  for i in range(0, len(images), batch):
    part = np.asarray(images[i:i + batch])
    blank = np.zeros((batch - len(part),) + part.shape[1:], part.dtype)
    yield len(part), jnp.asarray(np.concatenate([part, blank]))


def predict(model, params, images, batch: int = 32) -> jax.Array:
  """(S, n, H, W): every seed's predictions, in padded batches of `batch` images (bounded memory;
  one compiled program per model and image size serves every suite)."""
  apply = _batched_apply(model)
  return jnp.concatenate([apply(params, chunk)[:, :n]
                          for n, chunk in _padded_batches(images, batch)], axis=1)


@functools.cache
def _batched_apply(model):
  """One compiled vmap(apply) per model (flax modules hash by their fields)."""
  return jax.jit(jax.vmap(model.apply, in_axes=(0, None)))


_score = jax.jit(jax.vmap(similarities, in_axes=(0, None, None)))


def evaluate(model, params, train_khw, suites: dict, batch: int = 32):
  """Predictions and metrics of every seed on every suite.

  params carry a leading seed axis. Returns (predictions, metrics): suite -> (S, n, H, W) and
  suite -> metric -> (S, n) numpy arrays. Images go through in batches of `batch` to bound memory.
  """
  train_khw = jnp.asarray(train_khw)
  predictions, metrics = {}, {}
  apply = _batched_apply(model)
  for name, images in suites.items():
    preds, scores = [], []
    for n, chunk in _padded_batches(images, batch):
      pred = apply(params, chunk)
      preds.append(np.asarray(pred)[:, :n])
      scores.append({k: np.asarray(v)[:, :n] for k, v in _score(pred, chunk, train_khw).items()})
    predictions[name] = np.concatenate(preds, axis=1)
    metrics[name] = {k: np.concatenate([s[k] for s in scores], axis=1) for k in scores[0]}
  return predictions, metrics


def loss_frozen_at(steps, history, rtol: float = 1e-6) -> np.ndarray:
  """Per seed: the first recorded step from which its training loss stays at its final value
  (within rtol), -1 when the last two recorded losses differ (still moving). history: (seeds,
  snapshots) at `steps`. A dead net whose loss froze while the learning rate was still full did not
  run out of budget: no gradient reaches below its flat layer."""
  h = np.asarray(history, np.float64)
  same = np.isclose(h, h[:, -1:], rtol=rtol, atol=0.0)
  out = np.full(h.shape[0], -1, np.int64)
  for i, row in enumerate(same):
    k = len(row) - 1
    while k > 0 and row[k - 1]:
      k -= 1
    if k < len(row) - 1:
      out[i] = int(steps[k])
  return out
