"""A seed's status after training, and the rule that gives a fitted seed its regime.

Status (training/loop.py decides it, study/evaluate.py adds dead):
  fitted      final training MSE below train.fit_tolerance
  not_fitted  finite loss, not below the tolerance within the budget
  diverged    a non-finite loss at some step
  dead        fitted or not, its output is flat: spread across test inputs below metrics.dead_threshold
Only fitted seeds get a regime or enter a statistic of the learned function: a net that did not fit
its training image has not finished choosing between the two poles. The others are counted beside.

Regime of one fitted seed, from its mean correlations on one suite (config metrics.regime_suite;
default 'patterns': generated, so present everywhere, and unlike any digit. Not rho = 0 white noise:
a shallow ConvNet acts as a low-pass filter there, corr to identity ~0.55 against 0.8-0.95 on
patterns, digits and clothes, measured on the main job):
  identity  corr_identity >= threshold and corr_identity > |corr_constant|
  constant  |corr_constant| >= threshold and |corr_constant| > corr_identity
  neither   otherwise (e.g. the 1-layer linear net, whose orthogonal predictions are random)
The absolute value: a network with no nonlinearity cannot output the same image for every input;
its memorizing solution is f(x) = (u.x) x_hat + b, a signed multiple of the training image. Deep
linear FCNs output exactly that (measured: corr to constant -0.99 on patterns, whose dot product
with the "7" is negative, and +0.99 on rho = 0 inputs, whose is positive).
With "to constant" undefined (NaN: more than 3 training images, metrics.py) the rule reads identity
or neither.
"""

import dataclasses
import math

FITTED, NOT_FITTED, DIVERGED, DEAD = "fitted", "not_fitted", "diverged", "dead"
STATUSES = (FITTED, NOT_FITTED, DIVERGED, DEAD)
REGIMES = ("identity", "constant", "neither")


@dataclasses.dataclass(frozen=True)
class RegimeRule:
  """The regime rule of a cell (its metrics section: regime_suite, regime_threshold)."""
  suite: str = "patterns"
  threshold: float = 0.5

  @classmethod
  def of(cls, metrics: dict) -> "RegimeRule":
    """The rule a cell's recorded metrics section states."""
    return cls(suite=metrics["regime_suite"], threshold=metrics["regime_threshold"])

  @classmethod
  def from_json(cls, d: dict) -> "RegimeRule":
    """The rule as summary.json records it (`to_json`)."""
    return cls(suite=d["suite"], threshold=d.get("threshold", cls.threshold))

  def to_json(self) -> dict:
    return dict(suite=self.suite, threshold=self.threshold, doc=__doc__.strip())

  def classify(self, corr_identity: float, corr_constant: float) -> str:
    if not math.isfinite(corr_constant):  # no constant pole (metrics.MAX_CONSTANT_IMAGES)
      return "identity" if corr_identity >= self.threshold else "neither"
    memorized = abs(corr_constant)
    if corr_identity >= self.threshold and corr_identity > memorized:
      return "identity"
    if memorized >= self.threshold and memorized > corr_identity:
      return "constant"
    return "neither"

  def of_seed(self, status: str, suites: dict, metric: str = "corr") -> str | None:
    """A seed's regime from its status and per-suite mean metrics (a result.json seed's `suites`);
    None unless it fitted. metric: corr | cos (the same rule on cosine similarity)."""
    if status != FITTED:
      return None
    m = suites[self.suite]
    return self.classify(m[f"{metric}_identity"], m[f"{metric}_constant"])

  def near_threshold(self, corr_identity: dict | None, corr_constant: dict | None) -> bool:
    """Whether the t interval of the fitted seeds' mean corr to identity, or of their mean corr to
    constant (either sign: the rule reads its absolute value), holds the threshold: seeds then fall on
    either side of it by small margins, so the share of a regime says less than the mean and its
    interval. Arguments: stats.summarize outputs (None or without an interval: not near)."""
    holds = lambda s, x: bool(s) and s.get("ci95_low") is not None and s["ci95_low"] <= x <= s["ci95_high"]
    t = self.threshold
    return holds(corr_identity, t) or holds(corr_constant, t) or holds(corr_constant, -t)
