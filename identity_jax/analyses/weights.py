"""How far each layer moved in training (Fig 15-17, Appendix G): ||W - W0|| / ||W0|| per tensor."""

import numpy as np


def relative_change(init_params, final_params) -> dict:
  """{'layer_i': {'kernel': (S,), 'bias': (S,)}}: relative l2 distance per seed (leading axis)."""
  out = {}
  for name, tensors in init_params["params"].items():
    out[name] = {}
    for t, w0 in tensors.items():
      w0 = np.asarray(w0, np.float64)
      w = np.asarray(final_params["params"][name][t], np.float64)
      out[name][t] = np.linalg.norm((w - w0).reshape(len(w0), -1), axis=1) / \
          np.maximum(np.linalg.norm(w0.reshape(len(w0), -1), axis=1), 1e-30)
  return out


def layer_order(change: dict) -> list[str]:
  return sorted(change, key=lambda n: int(n.split("_")[1]))
