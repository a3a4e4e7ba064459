r"""Main job: the paper's central finding for a batch of seeds, offline, in minutes on 2 CPU cores.

  make demo                  # = the command below, creating the environment on first use
  python experiments/main.py --config=experiments/configs/default.py:quick --workdir=workdirs/default

Presets (`--config=...default.py:PRESET`; any field can be overridden, e.g. --config.num_seeds=16):
  quick  4 seeds; 2,000 / 300 / 600 steps for the three cells. Measured on the 2-core CPU machine: see README ("Main job").
  tiny   2 seeds x 100 steps on 14x14 images: what the tests run (~10 s); no scientific claim.
  paper  the paper's budget: 2,000,000 steps, 128-channel ConvNet, width-2048 FCN; a GPU job.

Cells (one training image, the MNIST "7"; SGD lr 0.01, momentum 0.9, stagewise x0.2 at 30/60/80%):
  convnet_5      5 conv layers, 5x5, 32 channels (paper: 128): expected identity-like (Fig 3a, 9)
  linear_1       the 1-layer linear net of eq. (1): random on inputs orthogonal to the "7" (Fig 2)
  relu_fcn_5     5 hidden ReLU layers of width 2048: expected constant, outputs the "7" (Fig 7, 8a)
"""

import ml_collections

PRESETS = ("quick", "tiny", "paper")


def base_config() -> ml_collections.ConfigDict:
  """Every field an experiment has, at the paper's values (Appendix B) where the paper gives one."""
  c = ml_collections.ConfigDict()
  c.name = "default"            # the experiment's identity in its workdir
  c.seed = 0                    # base seed: seed i trains from fold_in(key(seed), i)
  c.num_seeds = 4
  c.data = ml_collections.ConfigDict(dict(
      dir="",                   # directory with MNIST / Fashion-MNIST IDX files ('' = search, see datasets.py)
      download=False,           # allow downloading the full datasets into the cache
      image_size=28,
      train_digit=7,
      num_train=1,              # k training images: the "7", then k-1 more with the same fixed seed
      seed=0,                   # picks the training images and every test image
      suites=["mnist", "fashion", "blends", "patterns", "random", "rho"],
      per_suite=16,             # test images per suite (patterns: the whole family of 18)
      rhos=[0.0, 0.2, 0.4, 0.6, 0.8, 1.0]))
  c.model = ml_collections.ConfigDict(dict(
      name="convnet",           # convnet | fcn
      num_layers=5, channels=128, kernel_size=5, conv_impl="auto",     # convnet
      hidden_layers=3, width=2048, activation="relu",                  # fcn
      use_bias=True,
      init="torch_default",     # see identity_jax/initializers.py for the six names
      bias_init="torch_default"))
  c.optim = ml_collections.ConfigDict(dict(
      name="sgd", learning_rate=0.01, momentum=0.9, schedule="stagewise"))
  c.train = ml_collections.ConfigDict(dict(
      num_steps=2_000_000,
      num_snapshots=20,         # loss is recorded (and progress printed) this many times
      fit_tolerance=1e-3,       # final training MSE below this = fitted
      trainable="all",          # or layer indices: "0" trains the bottom layer only (Fig 6)
      # seeds vmapped together; groups run in sequence in the same program. -1: auto (1 on CPU,
      # where it measured fastest, all elsewhere); 0: all. Results agree to float rounding.
      seeds_per_vmap=-1,
      seed_chunk=0,             # train seeds in consecutive runs of this many (memory); 0 = all
      stop_when_fitted=False,   # stop once every seed is below fit_tolerance or diverged
      checkpoint_minutes=10.0,  # save the run's state at most this often; a rerun resumes from it
      save_params=True))        # keep final parameters for the analyses (experiments/analyze.py)
  c.metrics = ml_collections.ConfigDict(dict(
      regime_suite="patterns",  # suite whose mean correlations classify a seed's regime (stats.py)
      regime_threshold=0.5))
  c.plots = ml_collections.ConfigDict(dict(grid_per_suite=2))
  c.cells = ml_collections.ConfigDict()
  return c


def get_config(preset: str = "quick") -> ml_collections.ConfigDict:
  if preset not in PRESETS:
    raise ValueError(f"unknown preset {preset!r}; use one of {PRESETS}")
  c = base_config()
  channels, width = dict(paper=(128, 2048), quick=(32, 2048), tiny=(8, 64))[preset]
  c.cells = ml_collections.ConfigDict({
      "convnet_5": {"model": dict(name="convnet", num_layers=5, channels=channels)},
      "linear_1": {"model": dict(name="fcn", hidden_layers=0, activation="linear")},
      "relu_fcn_5": {"model": dict(name="fcn", hidden_layers=5, width=width)},
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
    c.name = "default_tiny"
    c.num_seeds = 2
    c.data.image_size = 14
    c.data.per_suite = 4
    c.data.rhos = [0.0, 1.0]
    c.train.num_steps = 100
    c.train.num_snapshots = 4
    c.train.fit_tolerance = 1e-1
  return c
