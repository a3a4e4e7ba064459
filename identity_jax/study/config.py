"""The experiment config: every field, at the paper's values (Appendix B) where the paper gives one.

Study configs (identity_jax/configs/*.py) start from `base_config()` and add named cells (the
variations a study compares) and presets. `tiny()` shrinks any config to what a test runs in seconds.
"""

import importlib
import pathlib
import sys

import ml_collections
from ml_collections.config_dict import placeholder

from identity_jax.errors import ConfigError
from identity_jax.study import cell

PRESETS = ("quick", "paper", "tiny")
ON_COLAB = "google.colab" in sys.modules


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
  # The sections' fields and defaults are stated once, in identity_jax/study/cell.py (data, optim,
  # train, metrics) and in each model family's module (identity_jax/models/): model.name picks the
  # family, model.<family> holds its fields.
  for section, fields in cell.section_defaults().items():
    c[section] = _config_dict(fields)
  c.data.download = ON_COLAB    # Colab has the internet and no Debian data packages
  c.plots = ml_collections.ConfigDict(dict(
      grid_per_suite=2,
      sweep="",                 # dotted cell field on the x axis of sweep figures, e.g. model.num_layers
      group_by=""))             # dotted cell field: one curve per value (e.g. data.image_size)
  c.cells = ml_collections.ConfigDict()
  return c


def _config_dict(fields: dict) -> ml_collections.ConfigDict:
  """Nested plain dicts as a ConfigDict; a None default becomes an int placeholder (settable from
  the command line)."""
  return ml_collections.ConfigDict({k: _config_dict(v) if isinstance(v, dict) else
                                    placeholder(int) if v is None else v for k, v in fields.items()})


def model(name: str, **fields) -> dict:
  """A cell's model override: family `name` with these of its fields, e.g.
  {"model": model("convnet", num_layers=5, channels=32)}."""
  return {"name": name, name: fields}


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


STUDIES_DIR = pathlib.Path(__file__).resolve().parents[1] / "configs"  # package data: works installed


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
                 num_snapshots: int = 10, stop_when_fitted: bool = True,
                 cell_steps: dict | None = None, cell_seeds: dict | None = None
                 ) -> ml_collections.ConfigDict:
  """The budgets every study shares. quick: these seeds and steps, with cell_steps (cell -> steps)
  giving cells that fit slower or cost more a budget of their own, and cell_seeds (cell -> seeds)
  more seeds to cells whose fitted seeds split across regimes; paper: the paper's 2M steps,
  stopping once every seed has fitted; tiny: tiny()."""
  check_preset(preset)
  c.preset = preset
  if preset == "quick":
    c.num_seeds = num_seeds
    c.train.num_steps = num_steps
    c.train.num_snapshots = num_snapshots
    c.train.stop_when_fitted = stop_when_fitted
    for arg, per_cell in (("cell_steps", cell_steps), ("cell_seeds", cell_seeds)):
      for name in per_cell or {}:
        if name not in c.cells:
          raise ConfigError(f"{arg} names cell {name!r}, which {c.name} does not have",
                            f"use one of: {', '.join(c.cells)}")
    for name, steps in (cell_steps or {}).items():
      c.cells[name].train = dict(num_steps=steps)
    for name, seeds in (cell_seeds or {}).items():
      c.cells[name].num_seeds = seeds
  elif preset == "paper":
    c.train.stop_when_fitted = True
  else:
    tiny(c)
  return c
