"""Statistics over seeds: mean, spread, 95% interval, and the share of seeds in each regime.

Regime of one seed, from its mean correlations on one suite (config metrics.regime_suite; default
'patterns': generated, so present everywhere, and unlike any digit. Not rho = 0 white noise: a
shallow ConvNet acts as a low-pass filter there, corr to identity ~0.55 against 0.8-0.95 on patterns,
digits and clothes, measured on the main job):
  identity  corr_identity >= threshold and corr_identity > |corr_constant|
  constant  |corr_constant| >= threshold and |corr_constant| > corr_identity
  neither   otherwise (e.g. the 1-layer linear net, whose orthogonal predictions are random)
The absolute value: a network with no nonlinearity cannot output the same image for every input;
its memorizing solution is f(x) = (u.x) x_hat + b, a signed multiple of the training image. Deep
linear FCNs output exactly that (measured: corr to constant -0.99 on patterns, whose dot product
with the "7" is negative, and +0.99 on rho = 0 inputs, whose is positive).
Diverged seeds are left out of every statistic and counted apart.
"""

import math

import numpy as np
import scipy.stats

REGIMES = ("identity", "constant", "neither")
DEFAULT_THRESHOLD = 0.5


def summarize(values) -> dict:
  """mean, std (ddof 1), Student-t 95% interval of the mean, and n, of finite values."""
  v = np.asarray(values, np.float64)
  v = v[np.isfinite(v)]
  n = int(v.size)
  if n == 0:
    return dict(n=0, mean=None, std=None, ci95_low=None, ci95_high=None)
  mean = float(v.mean())
  if n == 1:
    return dict(n=1, mean=mean, std=None, ci95_low=None, ci95_high=None)
  std = float(v.std(ddof=1))
  half = float(scipy.stats.t.ppf(0.975, n - 1)) * std / math.sqrt(n)
  return dict(n=n, mean=mean, std=std, ci95_low=mean - half, ci95_high=mean + half)


def regime(corr_identity: float, corr_constant: float, threshold: float = DEFAULT_THRESHOLD) -> str:
  memorized = abs(corr_constant)
  if corr_identity >= threshold and corr_identity > memorized:
    return "identity"
  if memorized >= threshold and memorized > corr_identity:
    return "constant"
  return "neither"


def seed_regime(seed: dict, rule: dict, metric: str = "corr") -> str:
  """Regime of one seed of a result.json, recomputed from its metrics and the cell's metrics section
  (regime_suite, regime_threshold), so a changed rule needs no retraining. metric: corr | cos."""
  if seed["status"] == "diverged":
    return "diverged"
  m = seed["suites"][rule["regime_suite"]]
  return regime(m[f"{metric}_identity"], m[f"{metric}_constant"], rule["regime_threshold"])


def regime_shares(regimes) -> dict:
  """Counts and shares of each regime among non-diverged seeds."""
  counted = [r for r in regimes if r in REGIMES]
  n = len(counted)
  return {r: dict(count=counted.count(r), share=(counted.count(r) / n if n else None))
          for r in REGIMES}
