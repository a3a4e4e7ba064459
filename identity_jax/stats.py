"""Statistics over seeds: mean, spread, 95% interval, and the share of seeds in each regime.

Regime of one seed, from its mean correlations on one suite (config metrics.regime_suite; default
'patterns': generated, so present everywhere, and unlike any digit. Not rho = 0 white noise: a
shallow ConvNet acts as a low-pass filter there, corr to identity ~0.55 against 0.8-0.95 on patterns,
digits and clothes, measured on the main job):
  identity  corr_identity >= threshold and corr_identity > corr_constant
  constant  corr_constant >= threshold and corr_constant > corr_identity
  neither   otherwise (e.g. the 1-layer linear net, whose orthogonal predictions are random)
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
  if corr_identity >= threshold and corr_identity > corr_constant:
    return "identity"
  if corr_constant >= threshold and corr_constant > corr_identity:
    return "constant"
  return "neither"


def regime_shares(regimes) -> dict:
  """Counts and shares of each regime among non-diverged seeds."""
  counted = [r for r in regimes if r in REGIMES]
  n = len(counted)
  return {r: dict(count=counted.count(r), share=(counted.count(r) / n if n else None))
          for r in REGIMES}
