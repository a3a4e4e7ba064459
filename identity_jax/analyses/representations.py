"""Every layer's representation of a batch of images, and how much label information it keeps.

Representation collapse (Fig 10, Appendix F): classify each test digit by the correlation-weighted
average of the one-hot labels of the training digits, computed on one layer's representations, and
report the error rate per layer. Layer 0 is the raw input; layer i is the output of layer_{i-1}.
"""

import functools

import jax
import jax.numpy as jnp
import numpy as np


@functools.cache
def _forward(model):
  """One compiled forward pass with every layer's output, per model (modules hash by their config)."""
  return jax.jit(lambda p, x: model.apply(p, x, mutable=["intermediates"]))


def layer_outputs(model, params, images_nhw, batch: int = 64) -> list[np.ndarray]:
  """[input, output of layer 0, output of layer 1, ...], each flattened to (n, features)."""
  outs = None
  forward = _forward(model)
  for i in range(0, len(images_nhw), batch):
    x = jnp.asarray(images_nhw[i:i + batch])
    _, state = forward(params, x)
    inter = state["intermediates"]
    layers = [x] + [inter[f"output_{j}"][0] for j in range(len(inter))]
    flat = [np.asarray(a).reshape(len(x), -1) for a in layers]
    outs = flat if outs is None else [np.concatenate([o, f]) for o, f in zip(outs, flat)]
  return outs


def _standardized_rows(a):
  a = np.asarray(a, np.float32)  # float32 is ample for an argmax over class scores, and 2x faster
  a = a - a.mean(axis=1, keepdims=True)
  norm = np.linalg.norm(a, axis=1, keepdims=True)
  return np.divide(a, norm, out=np.zeros_like(a), where=norm > 0)


def averaging_classifier_error(train_f, train_labels, test_f, test_labels,
                               num_classes: int = 10) -> float:
  """Error rate of argmax_c sum_j corr(test, train_j) [label_j = c] / n_train (Appendix F)."""
  corr = _standardized_rows(test_f) @ _standardized_rows(train_f).T  # (n_test, n_train) Pearson
  scores = corr @ np.eye(num_classes)[np.asarray(train_labels)] / len(train_labels)
  return float(np.mean(scores.argmax(axis=1) != np.asarray(test_labels)))


def collapse_curve(model, params, train_x, train_y, test_x, test_y) -> np.ndarray:
  """Error rate of the averaging classifier at every layer (index 0: raw pixels)."""
  train_layers = layer_outputs(model, params, train_x)
  test_layers = layer_outputs(model, params, test_x)
  return np.array([averaging_classifier_error(a, train_y, b, test_y)
                   for a, b in zip(train_layers, test_layers)])
