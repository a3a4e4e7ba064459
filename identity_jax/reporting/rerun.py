"""Two runs of one cell with the same seeds (a rerun at another budget or convolution form): each
seed's outcome in both, and how many moved from one outcome to another.

A seed's outcome is its regime when it fitted, else its status (not_fitted, dead, diverged). Seed i
of two runs starts from the same weights only when both draw from the same key stream and base seed
(training/program.seed_keys); otherwise a per-seed comparison means nothing and `pair_seeds` refuses it.
"""

import collections

from identity_jax.errors import IdentityJaxError
from identity_jax.measures.regime import FITTED, RegimeRule


class RerunError(IdentityJaxError, ValueError):
  """Two cell results that cannot be compared seed by seed."""


def outcome(seed: dict) -> str:
  """The seed's regime when it fitted (as `pair_seeds` recomputed it), else its status."""
  return seed["regime"] if seed["status"] == FITTED else seed["status"]


def _classified(result: dict) -> dict:
  """Seed index -> the seed, its regime recomputed under the run's own rule (a result.json stores
  the regime of the rule it was written with)."""
  rule = RegimeRule.of(result["config"]["metrics"])
  return {s["seed"]: dict(s, regime=rule.of_seed(s["status"], s["suites"])) for s in result["seeds"]}


def _seed_origin(result: dict) -> tuple:
  return result["seed_stream"], result["config"]["seed"]


def pair_seeds(old: dict, new: dict) -> list:
  """[(old seed, new seed)] of the seed indices both cell results (result.json) hold, in order.
  Raises RerunError when the runs do not share their seeds' initializations."""
  if _seed_origin(old) != _seed_origin(new):
    raise RerunError(
        f"the runs draw different seeds (key stream, base seed): {_seed_origin(old)} vs "
        f"{_seed_origin(new)}, so seed i starts from different weights in each",
        "compare the cells' distributions (summary.json) instead, or rerun with the same study, "
        "cell name, seed and paired_seeds")
  olds, news = _classified(old), _classified(new)
  pairs = [(s, news[i]) for i, s in olds.items() if i in news]
  if not pairs:
    raise RerunError("the two runs hold no seed index in common",
                     "pass two runs of the same cell")
  return pairs


def transitions(pairs: list) -> collections.Counter:
  """(old outcome, new outcome) -> number of seeds."""
  return collections.Counter((outcome(a), outcome(b)) for a, b in pairs)


def _describe(seed: dict, suite: str) -> str:
  corr = seed["suites"].get(suite, {})
  at = seed.get("fitted_at")
  fitted = f"fit@{at}" if at is not None and at >= 0 else "-"
  text = f"{outcome(seed):<10} loss {seed['final_loss']:.2e} {fitted:>9}"
  if "corr_identity" in corr:
    text += f"  id {corr['corr_identity']:+.2f} const {corr['corr_constant']:+.2f}"
  return text


def render(old: dict, new: dict) -> str:
  """A per-seed table (outcome, final loss, step fitted, corr to identity and constant on the
  regime suite) of both runs, then the transition counts."""
  pairs = pair_seeds(old, new)
  suite = new["config"]["metrics"]["regime_suite"]
  steps = lambda r: f"{r['steps_run']:,} of {r['config']['train']['num_steps']:,} steps"
  lines = [f"cell {new['cell']}: old run {steps(old)}, new run {steps(new)}; corr on {suite}",
           f"{'seed':>4}  {'old':<58}  new"]
  for a, b in pairs:
    lines.append(f"{a['seed']:>4}  {_describe(a, suite):<58}  {_describe(b, suite)}")
  counts = transitions(pairs)
  same = sum(n for (a, b), n in counts.items() if a == b)
  lines.append(f"same outcome {same}/{len(pairs)}; moved: " + (", ".join(
      f"{a} -> {b} {n}" for (a, b), n in sorted(counts.items()) if a != b) or "none"))
  return "\n".join(lines)
