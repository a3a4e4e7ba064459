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
Only fitted seeds (final training MSE below the tolerance) get a regime or enter a statistic of the
learned function: a net that did not fit its training image has not finished choosing between the two
poles. Not fitted, dead and diverged seeds are counted beside (results.STATUSES). A cell where fewer than
half the seeds fitted is inconclusive: it gets no verdict.
With "to constant" undefined (NaN: more than 3 training images, metrics.py) the rule reads identity
or neither.

Intervals: a share of seeds gets the Wilson score 95% interval (sound at 0/n and n/n, where the
normal approximation collapses); a mean gets the Student-t 95% interval only with at least
MIN_SEEDS_FOR_T values, below that the values themselves are reported.
"""

import math

import numpy as np
import scipy.stats

REGIMES = ("identity", "constant", "neither")
DEFAULT_THRESHOLD = 0.5
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


def regime(corr_identity: float, corr_constant: float, threshold: float = DEFAULT_THRESHOLD) -> str:
  if not math.isfinite(corr_constant):  # no constant pole (metrics.MAX_CONSTANT_IMAGES)
    return "identity" if corr_identity >= threshold else "neither"
  memorized = abs(corr_constant)
  if corr_identity >= threshold and corr_identity > memorized:
    return "identity"
  if memorized >= threshold and memorized > corr_identity:
    return "constant"
  return "neither"


def seed_regime(seed: dict, rule: dict, metric: str = "corr") -> str | None:
  """Regime of one seed of a result.json, recomputed from its metrics and the cell's metrics section
  (regime_suite, regime_threshold), so a changed rule needs no retraining; None unless it fitted.
  metric: corr | cos."""
  if seed["status"] != "fitted":
    return None
  m = seed["suites"][rule["regime_suite"]]
  return regime(m[f"{metric}_identity"], m[f"{metric}_constant"], rule["regime_threshold"])


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
  fitted = status_counts.get("fitted", 0)
  if fitted == 0 or 2 * fitted < total:
    return "inconclusive"
  counts = sorted(((v["count"], r) for r, v in shares.items()), reverse=True)
  return "split" if counts[0][0] == counts[1][0] else counts[0][1]
