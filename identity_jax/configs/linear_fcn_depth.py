r"""Study: linear FCNs of depth 0..9 hidden layers at widths 784 and 2048 (Fig 5, 8b, 16, 31).

  python experiments/main.py --config=identity_jax/configs/linear_fcn_depth.py:quick \
      --workdir=workdirs/linear_fcn_depth

Runtime: quick 12 min on the 2-core CPU (88 seeds in all, paper schedule, measured: results/linear_fcn_depth/summary.json timing); paper: a GPU job, not yet run (20 cells x 2M steps, stopping when fitted).
Expected (paper): 1 hidden layer behaves like the convex case (random on orthogonal inputs); deeper
nets tend to the constant map, and depth matters more than width (3 x 784 is more constant than
1 x 2048). Heatmaps over rho: heatmap_corr.png, heatmap_mse.png (the MSE version is Fig 31).
What the quick preset reproduces: its rows in RESULTS.md, generated from results/linear_fcn_depth/
(earlier 2-seed runs counted unfitted seeds and were withdrawn).
"""

import ml_collections

from identity_jax.study.config import apply_preset, base_config, check_preset, model


def get_config(preset: str = "quick") -> ml_collections.ConfigDict:
  check_preset(preset)
  c = base_config()
  c.name = "linear_fcn_depth"
  depths = dict(paper=range(10), quick=(0, 1, 2, 3, 5, 9), tiny=(0, 2))[preset]
  widths = dict(paper=(784, 2048), quick=(784, 2048), tiny=(32,))[preset]
  c.cells = ml_collections.ConfigDict({
      f"w{w}_h{h}": {"model": model("fcn", hidden_layers=h, width=w, activation="linear")}
      for w in widths for h in depths if not (h == 0 and w != widths[0])})  # h0 has no width
  c.plots.sweep = "model.hidden_layers"
  c.plots.group_by = "model.width"
  return apply_preset(c, preset, num_seeds=8, num_steps=1000)
