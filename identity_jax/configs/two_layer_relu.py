r"""Study: 2-layer ReLU nets (1 hidden layer of 2048 or 16384), bottom layer trained alone or both
layers trained (Fig 6).

  python experiments/main.py --config=identity_jax/configs/two_layer_relu.py:quick \
      --workdir=workdirs/two_layer_relu

Runtime: quick 15 min on the 2-core CPU (32 seeds in all, paper schedule, measured: results/two_layer_relu/summary.json timing); paper: a GPU job, not yet run.
Expected (paper): bottom layer only -> speckled noise on test inputs (regime "neither"); both
layers -> the constant map (outputs the "7").
What the quick preset reproduces: its rows in RESULTS.md, generated from results/two_layer_relu/
(earlier 2-seed runs counted unfitted seeds and were withdrawn).
"""

import ml_collections

from identity_jax.study.config import apply_preset, base_config, check_preset, model


def get_config(preset: str = "quick") -> ml_collections.ConfigDict:
  check_preset(preset)
  c = base_config()
  c.name = "two_layer_relu"
  widths = (2048, 16384) if preset != "tiny" else (32, 64)
  c.cells = ml_collections.ConfigDict({
      f"w{w}_{which}": {"model": model("fcn", hidden_layers=1, width=w),
                        "train": dict(trainable="0" if which == "bottom" else "all")}
      for w in widths for which in ("bottom", "both")})
  apply_preset(c, preset, num_seeds=8, num_steps=1000)
  if preset == "quick":
    # Training the bottom layer alone is slow: after 1,000 steps the loss was 0.25 (2048) and
    # 2.5e-3 (16384).
    c.cells.w2048_bottom.train.num_steps = 4000
    c.cells.w16384_bottom.train.num_steps = 2000
  return c
