r"""Main job: the paper's central finding for a batch of seeds, offline, in minutes on 2 CPU cores.

  make demo                  # = the command below, creating the environment on first use
  python experiments/main.py --config=identity_jax/configs/default.py:quick --workdir=workdirs/default

Presets (`--config=...default.py:PRESET`; any field can be overridden, e.g. --config.num_seeds=16):
  quick  8 seeds; 2,000 / 300 / 600 steps for the three cells. Measured on the 2-core CPU machine: see README ("Main job").
  tiny   2 seeds x 100 steps on 14x14 images: what the tests run (~10 s); no scientific claim.
  paper  the paper's budget: 2,000,000 steps, 128-channel ConvNet, width-2048 FCN; a GPU job.

Cells (one training image, the MNIST "7"; SGD lr 0.01, momentum 0.9, the paper schedule (optim.py)):
  convnet_5      5 conv layers, 5x5, 32 channels (paper: 128): expected identity-like (Fig 3a, 9)
  linear_1       the 1-layer linear net of eq. (1): random on inputs orthogonal to the "7" (Fig 2)
  relu_fcn_5     5 hidden ReLU layers of width 2048: expected constant, outputs the "7" (Fig 7, 8a)
"""

import ml_collections

from identity_jax.study.config import base_config, check_preset, model, tiny


def get_config(preset: str = "quick") -> ml_collections.ConfigDict:
  check_preset(preset)
  c = base_config()
  c.preset = preset
  channels, width = dict(paper=(128, 2048), quick=(32, 2048), tiny=(8, 64))[preset]
  c.cells = ml_collections.ConfigDict({
      "convnet_5": {"model": model("convnet", num_layers=5, channels=channels)},
      "linear_1": {"model": model("fcn", hidden_layers=0, activation="linear")},
      "relu_fcn_5": {"model": model("fcn", hidden_layers=5, width=width)},
  })
  if preset == "quick":
    # Budgets per cell: each is past the point where its loss stops falling (measured, README).
    c.train.num_steps = 2000
    c.train.num_snapshots = 10
    c.cells.linear_1.train = dict(num_steps=300)
    c.cells.relu_fcn_5.train = dict(num_steps=600)
  elif preset == "paper":
    c.train.stop_when_fitted = True  # 2M steps is a budget; fitted seeds need not use it all
  elif preset == "tiny":
    tiny(c)
  return c
