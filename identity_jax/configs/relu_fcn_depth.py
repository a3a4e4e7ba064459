r"""Study: ReLU FCNs of width 2048 with 1..11 hidden layers (Fig 7, 8a, 17, 32).

  python experiments/main.py --config=identity_jax/configs/relu_fcn_depth.py:quick \
      --workdir=workdirs/relu_fcn_depth

Runtime: quick 24 min on the 2-core CPU (40 seeds in all, paper schedule, measured: results/relu_fcn_depth/summary.json timing); paper: a GPU job, not yet run.
Expected (paper): every depth is biased to the constant map (outputs the "7" on any input), more so
with depth; 1 hidden layer is the least constant.
What the quick preset reproduces: its rows in RESULTS.md, generated from results/relu_fcn_depth/
(earlier 2-seed runs counted unfitted seeds and were withdrawn).
"""

import ml_collections

from identity_jax.study.config import apply_preset, base_config, check_preset, model


def get_config(preset: str = "quick") -> ml_collections.ConfigDict:
  check_preset(preset)
  c = base_config()
  c.name = "relu_fcn_depth"
  depths = dict(paper=(1, 3, 5, 7, 9, 11), quick=(1, 3, 5, 9), tiny=(1, 2))[preset]
  c.cells = ml_collections.ConfigDict({
      f"h{h}": {"model": model("fcn", hidden_layers=h, width=2048 if preset != "tiny" else 64)}
      for h in depths})
  c.plots.sweep = "model.hidden_layers"
  # quick: h9 needs ~1,000 steps (a 600-step budget left it at loss 0.46); the rest stop by 200.
  # 16 seeds where 8 fitted seeds split across regimes (1 hidden layer: neither 7, constant 1)
  seeds = dict(h1=16)
  return apply_preset(c, preset, num_seeds=8, num_steps=1500, num_snapshots=15, cell_seeds=seeds)
