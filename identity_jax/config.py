"""The experiment config: every field, at the paper's values (Appendix B) where the paper gives one.

Study configs (identity_jax/configs/*.py) start from `base_config()` and add named cells (the
variations a study compares) and presets. `tiny()` shrinks any config to what a test runs in seconds.
"""

import importlib
import pathlib
import sys

import ml_collections

from identity_jax.errors import ConfigError

PRESETS = ("quick", "paper", "tiny")
ON_COLAB = "google.colab" in sys.modules  # Colab has the internet and no Debian data packages


def base_config() -> ml_collections.ConfigDict:
  c = ml_collections.ConfigDict()
  c.name = "default"            # the experiment's identity in its workdir
  c.preset = "custom"           # quick | paper | tiny, set by the study config (recorded in summaries)
  c.seed = 0                    # base seed (see paired_seeds)
  # False: seed i of a cell trains from fold_in(fold_in(key(seed), id('study/cell')), i), so cells
  # and studies start from independent initializations. True: from fold_in(key(seed), i) in every
  # cell, a deliberately paired comparison (same seed, same lower layers across depths).
  c.paired_seeds = False
  c.num_seeds = 8
  c.data = ml_collections.ConfigDict(dict(
      dir="",                   # directory with MNIST / Fashion-MNIST IDX files ('' = search, see datasets.py)
      download=ON_COLAB,        # allow downloading the full datasets into the cache (on Colab: yes)
      image_size=28,
      train_digit=7,
      num_train=1,              # k training images: the "7", then k-1 more with the same fixed seed
      seed=0,                   # picks the training images and every test image
      suites=("mnist", "fashion", "blends", "patterns", "random", "rho"),  # tuples: overridable
      per_suite=16,             # test images per suite (patterns: the whole family of 18)
      rhos=(0.0, 0.2, 0.4, 0.6, 0.8, 1.0)))  # as --config.data.rhos="(0.0, 0.5)"
  c.model = ml_collections.ConfigDict(dict(
      name="convnet",           # convnet | fcn
      num_layers=5, channels=128, kernel_size=5, conv_impl="auto",     # convnet
      hidden_layers=3, width=2048, activation="relu",                  # fcn
      use_bias=True,
      init="torch_default",     # see identity_jax/initializers.py for the six names
      bias_init="torch_default"))
  c.optim = ml_collections.ConfigDict(dict(
      name="sgd", learning_rate=0.01, momentum=0.9,
      schedule="paper"))        # paper | compressed | constant (optim.py)
  c.train = ml_collections.ConfigDict(dict(
      num_steps=2_000_000,
      batch_size=0,             # training images per step, drawn at random; 0 = all (full batch)
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
      regime_threshold=0.5,
      dead_threshold=1e-6,      # output spread below this (relative to the inputs') = dead (metrics.py)
      test_sizes=()))           # ConvNets: also test at these input sizes (Fig 3b, 18)
  c.plots = ml_collections.ConfigDict(dict(
      grid_per_suite=2,
      sweep="",                 # dotted cell field on the x axis of sweep figures, e.g. model.num_layers
      group_by=""))             # dotted cell field: one curve per value (e.g. data.image_size)
  c.cells = ml_collections.ConfigDict()
  return c


def tiny(c: ml_collections.ConfigDict) -> ml_collections.ConfigDict:
  """Shrinks a config in place to seconds of CPU: 2 seeds, 14x14 images, 100 steps at a constant
  learning rate (the paper schedule's 30-step cap is too short to fit anything), 4 test images per
  suite. Keeps the cells; no scientific claim."""
  c.name += "_tiny"
  c.num_seeds = 2
  c.data.image_size = 14
  c.data.per_suite = 4
  c.data.rhos = (0.0, 1.0)
  c.train.num_steps = 100
  c.optim.schedule = "constant"
  c.train.num_snapshots = 4
  c.train.fit_tolerance = 1e-1
  c.train.stop_when_fitted = False
  c.train.checkpoint_minutes = 10.0
  return c


def check_preset(preset: str) -> None:
  if preset not in PRESETS:
    raise ConfigError(f"unknown preset {preset!r}",
                      f"end --config with one of :{', :'.join(PRESETS)}")


STUDIES_DIR = pathlib.Path(__file__).resolve().parent / "configs"  # package data: works installed


def study_names() -> list[str]:
  return sorted(p.stem for p in STUDIES_DIR.glob("*.py") if not p.stem.startswith("_"))


def study_path(name: str) -> pathlib.Path:
  """The config file of study `name`, for --config=<path>:<preset>."""
  load_study(name)
  return STUDIES_DIR / f"{name}.py"


def load_study(name: str):
  """The module of study `name` (identity_jax/configs/<name>.py): its docstring and get_config."""
  if name not in study_names():
    raise ConfigError(f"no study {name!r} in {STUDIES_DIR}",
                      f"use one of: {', '.join(study_names())} (identity-jax-studies lists them)")
  return importlib.import_module(f"identity_jax.configs.{name}")


def study_config(name: str, preset: str = "quick") -> ml_collections.ConfigDict:
  """A study's config at a preset, as `--config=identity_jax/configs/<name>.py:<preset>` gives it."""
  return load_study(name).get_config(preset)


def apply_preset(c: ml_collections.ConfigDict, preset: str, *, num_seeds: int, num_steps: int,
                 num_snapshots: int = 10, stop_when_fitted: bool = True) -> ml_collections.ConfigDict:
  """The budgets every study shares. quick: these seeds and steps; paper: the paper's 2M steps,
  stopping once every seed has fitted; tiny: tiny()."""
  check_preset(preset)
  c.preset = preset
  if preset == "quick":
    c.num_seeds = num_seeds
    c.train.num_steps = num_steps
    c.train.num_snapshots = num_snapshots
    c.train.stop_when_fitted = stop_when_fitted
  elif preset == "paper":
    c.train.stop_when_fitted = True
  else:
    tiny(c)
  return c
