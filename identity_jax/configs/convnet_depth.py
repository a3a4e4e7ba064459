r"""Study: ConvNets of 1..24 layers, 5x5 filters, stride 1, padding 2 (Fig 3a, 9, 11, 33).

  python experiments/main.py --config=identity_jax/configs/convnet_depth.py:quick \
      --workdir=workdirs/convnet_depth

Runtime: quick 237 min of training on the 2-core CPU (72 seeds in all, paper schedule; 16, 20 and
24 layers 55, 68 and 85 min of it at 20,000 steps; measured: results/convnet_depth/summary.json
timing), plus about 5 min evaluating per deep cell; paper (128
channels, 2M steps, 9 depths): a GPU job, not yet run.
Expected (paper): shallow nets learn the identity (edge-detector-like at 1-3 layers), the identity
holds to ~10-14 layers, and from ~15-20 layers the nets output the "7" (constant). MSE heatmap:
Fig 33. Quick preset: 32 channels, 8 seeds, a 6,000-step budget (16-24 layers: 20,000) under the
paper schedule.
What the quick preset reproduces: its rows in RESULTS.md, generated from results/convnet_depth/
(earlier 2-seed runs counted unfitted seeds and were withdrawn).
"""

import ml_collections

from identity_jax.study.config import apply_preset, base_config, check_preset, model

DEPTHS = dict(paper=(1, 2, 3, 5, 8, 12, 16, 20, 24), quick=(1, 3, 5, 8, 12, 16, 20, 24), tiny=(1, 3))


def depth_sweep(name: str, preset: str, channels: int, depths, num_steps: int,
                cell_steps: dict | None = None, cell_seeds: dict | None = None
                ) -> ml_collections.ConfigDict:
  """A cell c<d> per depth d: 5x5 ConvNets of `channels` channels, 8 seeds, `num_steps` (quick;
  cell_steps / cell_seeds: cell -> steps / seeds for cells given a budget of their own)."""
  check_preset(preset)
  c = base_config()
  c.name = name
  c.cells = ml_collections.ConfigDict({
      f"c{d}": {"model": model("convnet", num_layers=d, channels=channels)} for d in depths})
  c.plots.sweep = "model.num_layers"
  return apply_preset(c, preset, num_seeds=8, num_steps=num_steps, cell_steps=cell_steps,
                      cell_seeds=cell_seeds)


def get_config(preset: str = "quick") -> ml_collections.ConfigDict:
  check_preset(preset)
  # 16 seeds at 8 layers, where 8 fitted seeds split identity 7 / neither 1. 16-24 layers:
  # 20,000 steps (a constant phase of up to 6,000): at 6,000 (decays from step 1,800) 12 of the
  # 16 seeds at 16 and 20 layers ended above the tolerance yet below the loss of a uniform output,
  # as did 3 of the 5 flat 24-layer nets (constant nets at loss 3e-3 - 1.4e-2)
  return depth_sweep("convnet_depth", preset, dict(paper=128, quick=32, tiny=8)[preset],
                     DEPTHS[preset], num_steps=6000, cell_seeds=dict(c8=16),
                     cell_steps=dict(c16=20000, c20=20000, c24=20000))
