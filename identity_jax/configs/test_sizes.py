r"""Study: ConvNets trained on the 28x28 "7" and tested on inputs of 7..112 pixels (Fig 3b, 18).

  python experiments/main.py --config=identity_jax/configs/test_sizes.py:quick \
      --workdir=workdirs/test_sizes

Runtime: quick 90 min on the 2-core CPU (16 seeds, paper schedule): the 20-layer cell's 20,000 steps
81 min of it over two runs (26 min to a checkpoint, then 55 min, part of it sharing the cores with
another job; summary.json times the last run only) and about 5 min evaluating, the 5-layer cell
1 min; paper (2M steps, 128 channels): a GPU job, not yet run.
Expected (paper): the 5-layer net stays identity-like at every size (Fig 18); the 20-layer net's
constant map holds for inputs somewhat smaller and larger than 28x28, with artifacts on large ones
(Fig 3b). Figures: test_sizes.png (correlation per size, seed mean and 95% interval),
test_sizes_grid.png (inputs and predictions per size).
What the quick preset reproduces: its rows in RESULTS.md, generated from results/test_sizes/
(earlier 2-seed runs counted unfitted seeds and were withdrawn).
"""

import ml_collections

from identity_jax.study.config import apply_preset, base_config, check_preset, model


def get_config(preset: str = "quick") -> ml_collections.ConfigDict:
  check_preset(preset)
  c = base_config()
  c.name = "test_sizes"
  channels = dict(paper=128, quick=32, tiny=8)[preset]
  depths = (5, 20) if preset != "tiny" else (1, 2)
  c.cells = ml_collections.ConfigDict({
      f"c{d}": {"model": model("convnet", num_layers=d, channels=channels)} for d in depths})
  c.metrics.test_sizes = (7, 14, 21, 28, 42, 56, 84, 112)
  # 20 layers: 20,000 steps (a constant phase of up to 6,000); at 3,000 (decays from step 900) none
  # of its 8 seeds fitted, 7 of them ending between the tolerance and a uniform output's loss
  apply_preset(c, preset, num_seeds=8, num_steps=3000, cell_steps=dict(c20=20000))
  if preset == "tiny":
    c.metrics.test_sizes = (7, 14, 28)
  return c
