r"""Study: 3-channel ConvNets of 3..12 layers (Fig 24).

  python experiments/main.py --config=identity_jax/configs/channels3_depth.py:quick \
      --workdir=workdirs/channels3_depth

Budget: 20,000 steps (a seed stops once its schedule ends; the earlier 2,000-step
runs fitted none of these small nets). Runtime: quick 19 min on the 2-core CPU (88 seeds in all, paper schedule, measured: results/channels3_depth/summary.json timing); paper: a GPU job, not yet run.
Expected (paper): beyond 8 layers, 3-channel nets fail to fit; below, seeds land on very different
functions (edge detectors at 5 and 7 layers, other biases at 6 and 8): a few channels leave the
outcome to the luck of the initialization. Seed statistics show that luck directly: the share of
seeds per regime and the disagreement markers in sweep_corr.png.
What the quick preset reproduces: its rows in RESULTS.md, generated from results/channels3_depth/
(earlier 2-seed runs counted unfitted seeds and were withdrawn).
"""

import ml_collections

from identity_jax.study.config import apply_preset, base_config, check_preset, model


def get_config(preset: str = "quick") -> ml_collections.ConfigDict:
  check_preset(preset)
  c = base_config()
  c.name = "channels3_depth"
  depths = dict(paper=(3, 4, 5, 6, 7, 8, 10, 12), quick=(3, 4, 5, 6, 7, 8, 10, 12),
                tiny=(2, 3))[preset]
  c.cells = ml_collections.ConfigDict({
      f"c{d}": {"model": model("convnet", num_layers=d, channels=3)} for d in depths})
  c.plots.sweep = "model.num_layers"
  # 16 seeds where 8 fitted seeds split across regimes (6-8 layers)
  seeds = dict(c6=16, c7=16, c8=16)
  return apply_preset(c, preset, num_seeds=8, num_steps=20000, cell_seeds=seeds)
