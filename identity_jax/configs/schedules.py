r"""Study (ours): does the learned function depend on the learning-rate schedule and the budget?

  python experiments/main.py --config=identity_jax/configs/schedules.py:quick \
      --workdir=workdirs/schedules

The evidence that a CPU budget can stand in for the paper's 2,000,000 steps. The same 8 seeds
(paired_seeds: a deliberately paired comparison, seed i starts every cell from the same weights) train
5- and 8-layer 32-channel ConvNets under three schedules (optim.py: paper, compressed, constant) and
two budgets (2,000 and 6,000 steps). The paper schedule stops each seed at the end of its own schedule;
the others spend their whole budget. Compare the fitted seeds' correlations across cells
(sweep_corr.png, RESULTS.md): if a seed's function is the same under every schedule and budget, the
budget is long enough; if the compressed schedule's short budget fits fewer seeds, that is the
dependence the paper schedule removes.

Runtime: quick 64 min on the 2-core CPU (96 seeds in all, measured: results/schedules/summary.json
timing).
Expected: no paper figure (the paper ran one schedule); the question of how many steps are needed.
"""

import ml_collections

from identity_jax.study.config import apply_preset, base_config, check_preset

SCHEDULES = ("paper", "compressed", "constant")
BUDGETS = dict(paper=(2000, 6000), quick=(2000, 6000), tiny=(40, 100))
DEPTHS = dict(paper=(5, 8), quick=(5, 8), tiny=(2,))


def get_config(preset: str = "quick") -> ml_collections.ConfigDict:
  check_preset(preset)
  c = base_config()
  c.name = "schedules"
  c.paired_seeds = True
  c.model.convnet.channels = dict(paper=128, quick=32, tiny=8)[preset]
  c.cells = ml_collections.ConfigDict({
      f"c{d}_{s}_{n}": {"model": {"convnet": dict(num_layers=d)}, "optim": dict(schedule=s),
                        "train": dict(num_steps=n, stop_when_fitted=s == "paper")}
      for d in DEPTHS[preset] for s in SCHEDULES for n in BUDGETS[preset]})
  apply_preset(c, preset, num_seeds=8, num_steps=max(BUDGETS[preset]))
  c.train.stop_when_fitted = False  # per cell above: only the paper schedule stops early
  return c
