"""Statistics over seeds: mean, spread, 95% interval, the share of seeds in each regime, and a
cell's verdict (regime.py says which seeds count: fitted ones only).

Intervals: a share of seeds gets the Wilson score 95% interval (sound at 0/n and n/n, where the
normal approximation collapses); a mean gets the Student-t 95% interval only with at least
MIN_SEEDS_FOR_T values, below that the values themselves are reported.
"""

import math

import numpy as np
import scipy.stats

from identity_jax.measures.regime import FITTED, REGIMES

MIN_SEEDS_FOR_T = 4
Z95 = 1.959963984540054


def summarize(values) -> dict:
  """n, mean and std (ddof 1) of the finite values; the Student-t 95% interval of the mean when
  n >= MIN_SEEDS_FOR_T, else no interval and the values themselves."""
  v = np.asarray(values, np.float64)
  v = v[np.isfinite(v)]
  n = int(v.size)
  out = dict(n=n, mean=float(v.mean()) if n else None, std=float(v.std(ddof=1)) if n > 1 else None,
             ci95_low=None, ci95_high=None)
  if n >= MIN_SEEDS_FOR_T:
    half = float(scipy.stats.t.ppf(0.975, n - 1)) * out["std"] / math.sqrt(n)
    out.update(ci95_low=out["mean"] - half, ci95_high=out["mean"] + half)
  else:
    out["values"] = v.tolist()
  return out


def wilson(count: int, n: int) -> tuple[float, float] | tuple[None, None]:
  """Wilson score 95% interval of a share count/n."""
  if n == 0:
    return None, None
  p = count / n
  centre = (p + Z95 ** 2 / (2 * n)) / (1 + Z95 ** 2 / n)
  half = Z95 / (1 + Z95 ** 2 / n) * math.sqrt(p * (1 - p) / n + Z95 ** 2 / (4 * n ** 2))
  return max(0.0, centre - half), min(1.0, centre + half)


def regime_shares(regimes) -> dict:
  """Per regime: count, share and its Wilson 95% interval among the classified (fitted) seeds;
  None entries (seeds without a regime) are not counted here."""
  counted = [r for r in regimes if r in REGIMES]
  n = len(counted)
  out = {}
  for r in REGIMES:
    low, high = wilson(counted.count(r), n)
    out[r] = dict(count=counted.count(r), n=n, share=(counted.count(r) / n if n else None),
                  ci95_low=low, ci95_high=high)
  return out


def verdict(status_counts: dict, shares: dict) -> str:
  """The cell's regime: the one most fitted seeds share; 'inconclusive' when fewer than half of all
  seeds fitted (or none did); 'split' when two regimes tie."""
  total = sum(status_counts.values())
  fitted = status_counts.get(FITTED, 0)
  if fitted == 0 or 2 * fitted < total:
    return "inconclusive"
  counts = sorted(((v["count"], r) for r, v in shares.items()), reverse=True)
  return "split" if counts[0][0] == counts[1][0] else counts[0][1]
