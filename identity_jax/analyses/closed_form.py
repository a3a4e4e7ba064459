"""Closed forms of what training can reach: eq. (1) for a 1-layer linear net (Appendix D), and the
least loss of a 2-layer ReLU net whose bottom layer alone trains on one image (Fig 6).

Equation (1) / Appendix D: what gradient descent converges to for a 1-layer linear net.

Every gradient of ||W x_hat + b - x_hat||^2 lies in the span of the (bias-augmented) training inputs,
so the trained map is the initial one plus the smallest change that fits the training set. Written
with augmented inputs x~ = [x; 1] (just x without a bias) and X~ the k training inputs as columns:
    f(x) = W0~ x~ + (X - W0~ X~) (X~^T X~)^{-1} X~^T x~
For one image and no bias this is eq. (1): f(x) = (x_hat.x/|x_hat|^2) x_hat + W0 (x - that part).
Momentum and learning-rate schedules do not change it: they only rescale steps within that span.
"""

import numpy as np
from scipy import optimize


def linear_prediction(kernel0: np.ndarray, bias0, train_kd: np.ndarray, x_nd: np.ndarray):
  """Predictions (n, d) of the converged net for inputs x_nd.

  kernel0: (d, d) initial kernel in flax's layout (y = x @ kernel); bias0: (d,) or None;
  train_kd: (k, d) training images, flattened.
  """
  w0 = np.asarray(kernel0, np.float64).T
  train = np.asarray(train_kd, np.float64)
  x = np.asarray(x_nd, np.float64)
  if bias0 is not None:
    w0 = np.concatenate([w0, np.asarray(bias0, np.float64)[:, None]], axis=1)
    augment = lambda a: np.concatenate([a, np.ones((a.shape[0], 1))], axis=1)
    train_aug, x_aug = augment(train), augment(x)
  else:
    train_aug, x_aug = train, x
  residual = train.T - w0 @ train_aug.T                    # (d, k): what W0 gets wrong on X
  coeff = np.linalg.solve(train_aug @ train_aug.T, train_aug @ x_aug.T)  # (k, n)
  return (w0 @ x_aug.T + residual @ coeff).T


def bottom_layer_least_loss(kernel0, bias0, kernel1, bias1, x_d) -> tuple[float, int]:
  """(least training MSE, hidden units that can take part) of a 1-hidden-layer ReLU FCN whose
  bottom layer alone trains on ONE image x_d (d,), from its initial parameters (flax layout: y =
  x @ kernel; biases may be None).

  With one training image, a hidden unit whose pre-activation w.x + b is <= 0 at init gets zero
  gradient (ReLU' = 0 there) and stays off for good; an active unit's output h_j can be driven to
  any value >= 0 (its w_j and b_j train). The outputs training can reach are the cone
  kernel1[active]^T h + bias1, h >= 0, so the least loss is a nonnegative least-squares residual.
  With fewer active units than about twice d, random top-layer columns lie in a half-space (Wendel's
  theorem) and most images are out of reach: the net cannot fit, at any budget.
  """
  x = np.asarray(x_d, np.float64).reshape(-1)
  pre = x @ np.asarray(kernel0, np.float64)
  if bias0 is not None:
    pre = pre + np.asarray(bias0, np.float64)
  active = pre > 0
  top = np.asarray(kernel1, np.float64)[active]             # (active, d)
  target = x - (0.0 if bias1 is None else np.asarray(bias1, np.float64))
  _, residual = optimize.nnls(top.T, target, maxiter=50 * max(1, top.shape[0]))
  return float(residual ** 2 / x.size), int(active.sum())
