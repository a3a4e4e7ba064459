r"""Study: 5-layer ConvNets with 2..1024 channels (Fig 4b, 23).

  python experiments/main.py --config=identity_jax/configs/channels.py:quick \
      --workdir=workdirs/channels

Budget: 20,000 steps (a seed stops once its schedule ends; the earlier 2,000-step
runs fitted none of these small nets). Runtime: quick 114 min on the 2-core CPU (88 seeds, paper
schedule, measured: results/channels/summary.json timing): 2-128 channels 61 min, 48 of them for
128 channels (4,000 steps at 11-12 seed-steps/s on one core, beside another run); 256 channels 53
min (2,000 steps at 5 seed-steps/s, on an AMD EPYC VM, evaluation 7 min more); paper (up to 1024
channels, ~25M parameters per middle layer): a GPU job, not yet run.
Expected (paper): with 3 channels the identity is badly corrupted (misses the centre of many
inputs), while 1024 channels do not overfit; identity improves with channels. 3-channel nets
across depth: channels3_depth.py.
What the quick preset reproduces: its rows in RESULTS.md, generated from results/channels/
(earlier 2-seed runs counted unfitted seeds and were withdrawn).
"""

import ml_collections

from identity_jax.study.config import apply_preset, base_config, check_preset, model


def get_config(preset: str = "quick") -> ml_collections.ConfigDict:
  check_preset(preset)
  c = base_config()
  c.name = "channels"
  channels = dict(paper=(2, 3, 4, 8, 16, 32, 64, 128, 256, 512, 1024),
                  quick=(2, 3, 4, 8, 16, 32, 64, 128, 256), tiny=(2, 3))[preset]
  c.cells = ml_collections.ConfigDict({
      f"ch{n}": {"model": model("convnet", num_layers=5, channels=n)} for n in channels})
  c.plots.sweep = "model.channels"
  # 16 seeds where 8 fitted seeds split across regimes (2 and 3 channels)
  seeds = dict(ch2=16, ch3=16)
  return apply_preset(c, preset, num_seeds=8, num_steps=20000, cell_seeds=seeds)
