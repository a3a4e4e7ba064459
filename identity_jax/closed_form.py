"""Equation (1) / Appendix D: what gradient descent converges to for a 1-layer linear net.

Every gradient of ||W x_hat + b - x_hat||^2 lies in the span of the (bias-augmented) training inputs,
so the trained map is the initial one plus the smallest change that fits the training set. Written
with augmented inputs x~ = [x; 1] (just x without a bias) and X~ the k training inputs as columns:
    f(x) = W0~ x~ + (X - W0~ X~) (X~^T X~)^{-1} X~^T x~
For one image and no bias this is eq. (1): f(x) = (x_hat.x/|x_hat|^2) x_hat + W0 (x - that part).
Momentum and learning-rate schedules do not change it: they only rescale steps within that span.
"""

import numpy as np


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
