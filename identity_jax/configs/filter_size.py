r"""Study: 5-layer ConvNets with filters of 5x5 .. 57x57 (padding k // 2, stride 1) (Fig 27, 28).

  python experiments/main.py --config=identity_jax/configs/filter_size.py:quick \
      --workdir=workdirs/filter_size

Budget (quick): 6,000 steps for 5x5 and 9x9 filters (1,500 fitted none of the 8-channel 5x5 nets),
4,000 for 15x15 (1,500 fitted 5/8, the other 3 at loss 1.1-1.7e-3) and 1,500 for 29x29 (7/8 fitted,
the eighth dead; a step costs 4-20x) and 57x57 (8/8 fitted by step 450). Runtime: quick 105 min on
the 2-core CPU (8 seeds, 16 at 9x9): the 57x57 cell 46 min training at 4-5 seed-steps/s and 4 min
evaluating (on an AMD EPYC VM), the 29x29 cell 17 min training and 12 min evaluating, 15x15 16 min
training (on one core, beside another run) and 5 min evaluating, the rest a few minutes (RESULTS.md's
cost table); paper (128 channels): a GPU job, not yet run.
Expected (paper): predictions blur as filters grow; with filters covering the whole input (29, 57)
the nets turn towards the constant map. The paper warns that correlation barely separates degrees
of blur; the MSE figures (heatmap_mse.png, sweep_mse.png) are the better read here.
Quick preset: 8 channels (the paper's 128 channels at 57x57 are 256x the work of 8).
"""

import ml_collections

from identity_jax.study.config import apply_preset, base_config, check_preset, model


def get_config(preset: str = "quick") -> ml_collections.ConfigDict:
  check_preset(preset)
  c = base_config()
  c.name = "filter_size"
  channels = dict(paper=128, quick=8, tiny=4)[preset]
  sizes = dict(paper=(5, 7, 9, 13, 15, 21, 29, 43, 57), quick=(5, 9, 15, 29, 57),
               tiny=(3, 9))[preset]
  c.cells = ml_collections.ConfigDict({
      f"k{k}": {"model": model("convnet", num_layers=5, channels=channels, kernel_size=k)}
      for k in sizes})
  if preset == "quick":
    # 'auto' picks a matmul form here (8 channels): minutes to compile at 57x57 and slower than XLA's
    # own convolution for 8-channel layers (4.1 vs 2.7 steps/s for 'matmul', one seed, 2-core CPU).
    c.cells.k57.model.convnet.conv_impl = "xla"
  c.plots.sweep = "model.kernel_size"
  # 1,500 steps fitted 0/8 5x5 nets and 5/8 15x15 nets; 29x29 ones fit sooner (and cost 20x)
  # 16 seeds where 8 fitted seeds split across regimes (9x9: identity 5, neither 3)
  seeds = dict(k9=16)
  return apply_preset(c, preset, num_seeds=8, num_steps=1500,
                      cell_steps=dict(k5=6000, k9=6000, k15=4000), cell_seeds=seeds)
