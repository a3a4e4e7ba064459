"""A cell: one complete configuration, trained over K seeds. Typed sections, validated once.

An experiment config (config.py, ml_collections) has a base and named cells that override some of its
fields; `resolve(config)` gives each cell's complete plain dict (what the workdir records and
fingerprints) and `Cell.parse(name, that dict)` the typed, validated cell every module reads. Any bad
value raises ConfigError naming the field, before the workdir is touched or any data loaded.

Settings that once were special integers are now named; the old spellings are refused with the new
one in the error (LEGACY), and upgraded silently in workdirs recorded before the change.
"""

import copy
import dataclasses
import functools
import math
import pathlib
from typing import Any

import optax

from identity_jax import models
from identity_jax.data import suites as suites_lib
from identity_jax.errors import (
  ConfigError,
  WorkdirError,
  check_choice,
  check_count,
  check_flag,
  check_positive,
  is_count,
)
from identity_jax.study import paths, workdir
from identity_jax.training import optim

SECTIONS = ("data", "model", "optim", "train", "metrics")  # what a cell may override
CELL_FIELDS = ("num_seeds",)  # top-level fields a cell may override (more seeds where they split)
# (section, field): {old value: new value}
LEGACY = {("train", "seeds_per_vmap"): {-1: "auto", 0: "all"},
          ("train", "seed_chunk"): {0: None},
          ("train", "batch_size"): {0: None},
          ("data", "num_train"): {-1: "all"}}


def _count_or(field: str, value, named: tuple, minimum: int = 1):
  """A count >= minimum, or one of the `named` settings; a command line gives counts as strings."""
  if isinstance(value, str) and value.isdigit():
    value = int(value)
  if value in named or (is_count(value) and value >= minimum):
    return value
  names = " or ".join(repr(n) for n in named)
  raise ConfigError(f"{field} = {value!r} is not {names} or an integer >= {minimum}",
                    f"set {field} to {names} or a count")


@dataclasses.dataclass(frozen=True)
class DataConfig:
  dir: str = ""             # directory with MNIST / Fashion-MNIST IDX files ('' = search, datasets.py)
  download: bool = False    # allow downloading the full datasets into the cache
  image_size: int = 28
  train_digit: int = 7
  num_train: Any = 1        # k training images: the "7", then k-1 more; "all": the whole split
  seed: int = 0             # picks the training images and every test image
  suites: tuple = suites_lib.SUITES
  per_suite: int = 16       # test images per suite (patterns: the whole family of 18)
  rhos: tuple = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)

  def __post_init__(self):
    check_positive("data.image_size", self.image_size, integer=True)
    check_positive("data.per_suite", self.per_suite, integer=True)
    check_flag("data.download", self.download)
    object.__setattr__(self, "num_train", _count_or("data.num_train", self.num_train, ("all",)))
    object.__setattr__(self, "suites", _sequence("data.suites", self.suites, "('mnist', 'rho')"))
    object.__setattr__(self, "rhos", _sequence("data.rhos", self.rhos, "(0.0, 0.5, 1.0)"))
    for name in self.suites:
      check_choice("data.suites entry", name, suites_lib.SUITES)
    for rho in self.rhos:
      suites_lib.check_rho(_number("data.rhos", rho, "(0.0, 0.5, 1.0)"), "data.rhos entry")

  @property
  def suite_names(self) -> list:
    """The suites evaluated, rho expanded into one suite per value."""
    names = [n for n in self.suites if n != "rho"]
    return names + ([suites_lib.rho_suite(r) for r in self.rhos] if "rho" in self.suites else [])


@dataclasses.dataclass(frozen=True)
class OptimConfig:
  name: str = "sgd"
  learning_rate: float = 0.01
  momentum: float = 0.9     # sgd only
  schedule: str = "paper"   # paper | compressed | constant (optim.py)

  def __post_init__(self):
    check_choice("optim.name", self.name, optim.OPTIMIZERS)
    check_positive("optim.learning_rate", self.learning_rate)
    optim.check_schedule(self.schedule)
    if not 0.0 <= self.momentum < 1.0:
      raise ConfigError(f"optim.momentum = {self.momentum} is outside [0, 1)",
                        "use a momentum in [0, 1); the paper uses 0.9")


@dataclasses.dataclass(frozen=True)
class TrainConfig:
  num_steps: int = 2_000_000
  batch_size: Any = None    # training images per step, drawn at random; None: all, every step
  num_snapshots: int = 20   # the loss is recorded (and progress printed) this many times
  fit_tolerance: float = 1e-3  # final training MSE below this = fitted
  trainable: str = "all"    # or layer indices: "0" trains the bottom layer only (Fig 6)
  # Seeds vmapped together; groups run in sequence in one program. "auto": 1 on CPU (measured
  # fastest there), "all" elsewhere. Results agree to float rounding.
  seeds_per_vmap: Any = "auto"
  seed_chunk: Any = None    # train seeds in consecutive runs of this many (memory); None: all at once
  stop_when_fitted: bool = False  # stop once every seed has finished (program.Trainer.finished)
  checkpoint_minutes: float = 10.0  # save the run's state at most this often; a rerun resumes
  save_params: bool = True  # keep final parameters for the analyses (experiments/analyze.py)

  def __post_init__(self):
    check_positive("train.num_steps", self.num_steps, integer=True)
    check_positive("train.num_snapshots", self.num_snapshots, integer=True)
    check_positive("train.fit_tolerance", self.fit_tolerance)
    check_flag("train.stop_when_fitted", self.stop_when_fitted)
    check_flag("train.save_params", self.save_params)
    fields = dict(batch_size=(None,), seed_chunk=(None,), seeds_per_vmap=("auto", "all"))
    for field, named in fields.items():
      object.__setattr__(self, field, _count_or(f"train.{field}", getattr(self, field), named))
    if not (isinstance(self.checkpoint_minutes, (int, float)) and self.checkpoint_minutes >= 0):
      raise ConfigError(f"train.checkpoint_minutes = {self.checkpoint_minutes!r} is negative",
                        "use 0 (save after every chunk) or a positive number of minutes")


@dataclasses.dataclass(frozen=True)
class MetricsConfig:
  regime_suite: str = "patterns"  # whose mean correlations classify a seed's regime (stats.py)
  regime_threshold: float = 0.5
  dead_threshold: float = 1e-6    # output spread below this (relative to the inputs') = dead
  test_sizes: tuple = ()          # ConvNets: also test at these input sizes (Fig 3b, 18)

  def __post_init__(self):
    check_positive("metrics.dead_threshold", self.dead_threshold)
    object.__setattr__(self, "test_sizes", _sequence("metrics.test_sizes", self.test_sizes,
                                                     "(7, 14, 28)"))
    for size in self.test_sizes:
      check_positive("metrics.test_sizes entry", size, integer=True)


@dataclasses.dataclass(frozen=True)
class Cell:
  """One cell of a study, typed. `record` is the plain dict it was parsed from: what the workdir
  fingerprints and result.json stores."""
  study: str
  name: str
  seed: int
  num_seeds: int
  paired_seeds: bool
  data: DataConfig
  family: models.Family
  model: Any                # the family's config dataclass
  optim: OptimConfig
  train: TrainConfig
  metrics: MetricsConfig
  record: dict = dataclasses.field(repr=False, compare=False)

  @classmethod
  def parse(cls, name: str, record: dict) -> "Cell":
    _refuse_legacy(record)
    _refuse_non_finite(record)
    check_positive("num_seeds", record["num_seeds"], integer=True)
    check_count("seed", record["seed"], 0)
    check_flag("paired_seeds", record["paired_seeds"],
               "use False (independent seeds per cell) or True (a paired comparison)")
    sections = {}
    for section, typ in (("data", DataConfig), ("optim", OptimConfig), ("train", TrainConfig),
                         ("metrics", MetricsConfig)):
      known = {f.name for f in dataclasses.fields(typ)}
      unknown = sorted(set(record[section]) - known)
      if unknown:
        raise ConfigError(f"unknown field {section}.{unknown[0]}",
                          f"use one of: {', '.join(sorted(known))}")
      sections[section] = typ(**record[section])
    family, model_cfg = models.parse(record["model"])
    cell = cls(study=record["name"], name=name, seed=record["seed"], num_seeds=record["num_seeds"],
               paired_seeds=record["paired_seeds"], family=family, model=model_cfg,
               record=record, **sections)
    cell._check_across_sections()
    return cell

  def _check_across_sections(self) -> None:
    if self.metrics.regime_suite not in self.data.suite_names:
      raise ConfigError(f"metrics.regime_suite {self.metrics.regime_suite!r} is not among the test "
                        f"suites {self.data.suite_names}",
                        "pick one of those suites, or add it to data.suites")
    if self.metrics.test_sizes and not self.family.image_layers:
      raise ConfigError(f"metrics.test_sizes = {list(self.metrics.test_sizes)} needs a model that "
                        f"takes any input size; {self.family.name} takes one",
                        f"set metrics.test_sizes = [] for {self.family.name} cells")
    self.optimizer  # noqa: B018 (train.trainable is checked against the model's depth)

  @functools.cached_property
  def module(self):
    return self.family.build(self.model)

  @functools.cached_property
  def optimizer(self) -> optax.GradientTransformation:
    tx = optim.make_optimizer(self.optim, self.train.num_steps)
    trainable = optim.parse_trainable(self.train.trainable, self.model.depth)
    return optim.with_frozen_layers(tx, trainable) if len(trainable) < self.model.depth else tx

  @property
  def seed_stream(self) -> str:
    """The key stream of this cell's seeds (program.seed_keys): '' when paired, else 'study/cell'."""
    return "" if self.paired_seeds else f"{self.study}/{self.name}"


def resolve(config) -> dict:
  """Cell name -> the complete plain-dict config of that cell (the base with the cell's overrides;
  a config without cells is one cell, 'base'). The plots section is not part of a cell; the model
  section resolves to `name` and that family's fields only (`resolve_model`)."""
  base = config.to_dict() if hasattr(config, "to_dict") else copy.deepcopy(config)
  overrides = base.pop("cells", None) or {"base": {}}
  base.pop("plots", None)
  base_model = base.pop("model")
  cells = {}
  for name, cell in overrides.items():
    resolved = copy.deepcopy(base)
    for section, values in cell.items():
      if section in CELL_FIELDS or section == "model":
        continue
      if section not in SECTIONS:
        raise ConfigError(f"cell {name!r} overrides section {section!r}",
                          f"a cell may override only {', '.join(SECTIONS + CELL_FIELDS)}")
      for key, value in values.items():
        if key not in resolved[section]:
          raise ConfigError(f"cell {name!r} sets unknown field {section}.{key}",
                            f"use one of: {', '.join(sorted(resolved[section]))}")
        resolved[section][key] = value
    for field in CELL_FIELDS:
      resolved[field] = cell.get(field, resolved[field])
    resolved["model"] = resolve_model(base_model, cell.get("model") or {}, f"cell {name!r}")
    cells[name] = resolved
  return cells


def resolve_model(base: dict, override: dict, where: str) -> dict:
  """A cell's model section: {'name': family, **that family's fields}, from the config's model section
  (name and one section per family, model.<family>) and the cell's override of it (name and/or its
  family's section)."""
  name = override.get("name", base.get("name"))
  family = models.get(name)
  fields = {**models.registry.defaults(family.name), **(base.get(family.name) or {})}
  for key, values in override.items():
    if key == "name":
      continue
    if key != family.name:
      fix = (f"set it in model.{family.name}" if key in fields else
             f"{where} trains model.name {family.name!r}: set its fields in model.{family.name}")
      raise ConfigError(f"{where} sets model.{key}, not a section of model.name {family.name!r}",
                        f"{fix} ({', '.join(sorted(fields))})")
    for field, value in dict(values).items():
      if field not in fields:
        raise ConfigError(f"{where} sets unknown field model.{family.name}.{field}",
                          f"use one of: {', '.join(sorted(fields))}")
      fields[field] = value
  return {"name": family.name, **fields}


def parse_all(config) -> dict:
  """Cell name -> Cell, every cell validated."""
  return {name: Cell.parse(name, record) for name, record in resolve(config).items()}


def recorded(root) -> dict:
  """Cell name -> its entry in the experiment.json of `root` (a workdir, or results/<study>), as
  experiments/main.py recorded it; raises WorkdirError when `root` holds no experiment."""
  marker = pathlib.Path(root) / paths.MARKER
  if not marker.is_file():
    raise WorkdirError(f"{root} holds no identity_jax experiment",
                       "point --workdir at a directory written by identity-jax-run")
  return workdir.read_json(marker)["cells"]


def parse_recorded(root, name: str, entry: dict) -> "Cell":
  """The Cell of a `recorded` entry, in today's spelling; a WorkdirError naming the fix when an
  older identity_jax recorded it without a field this one needs."""
  try:
    return Cell.parse(name, upgrade(entry["config"]))
  except KeyError as e:
    raise WorkdirError(f"cell {name!r} in {root} was recorded without the config field {e} "
                       "(written by an older identity_jax)",
                       "rerun its experiment into a new workdir with this version") from e


def _refuse_non_finite(value, field: str = "") -> None:
  """Every number of a cell's config is finite (inf or nan in any field is refused, by name)."""
  if isinstance(value, dict):
    for key, v in value.items():
      _refuse_non_finite(v, f"{field}.{key}" if field else key)
  elif isinstance(value, (list, tuple)):
    for v in value:
      _refuse_non_finite(v, f"{field} entry")
  elif isinstance(value, float) and not math.isfinite(value):
    raise ConfigError(f"{field} = {value!r} is not a finite number", f"set {field} to a finite value")


def _sequence(field: str, value, example: str) -> tuple:
  """A list-valued field as a tuple; a string (an override that did not parse as a tuple, such as
  '(0.5' without its closing parenthesis) is refused with the spelling that works."""
  if isinstance(value, (list, tuple)):
    return tuple(value)
  raise ConfigError(f"{field} = {value!r} is not a list",
                    f'give it as a tuple, quoted for the shell: --config.{field}="{example}"')


def _number(field: str, value, example: str) -> float:
  if isinstance(value, bool) or not isinstance(value, (int, float)):
    raise ConfigError(f"{field} entry = {value!r} is not a number",
                      f'give {field} as numbers, quoted for the shell: --config.{field}="{example}"')
  return value


def _refuse_legacy(record: dict) -> None:
  for (section, field), renamed in LEGACY.items():
    value = record.get(section, {}).get(field)
    if is_count(value) and value in renamed:
      raise ConfigError(f"{section}.{field} = {value} is the old spelling",
                        f"use {section}.{field} = {renamed[value]!r} (same meaning)")


def upgrade(record: dict) -> dict:
  """A cell recorded by an older identity_jax, in today's spelling (same meaning). Before families
  had sections of their own, a cell's model section held every family's fields, the others at their
  defaults: only its own family's are kept."""
  record = copy.deepcopy(record)
  model = record.get("model", {})
  if model.get("name") in models.names():
    own = models.registry.defaults(model["name"])
    record["model"] = {k: v for k, v in model.items() if k == "name" or k in own}
  for (section, field), renamed in LEGACY.items():
    value = record.get(section, {}).get(field)
    if is_count(value) and value in renamed:
      record[section][field] = renamed[value]
  return record


def section_defaults() -> dict:
  """The typed sections' defaults, for config.base_config (one place states each default)."""
  plain = lambda typ: {f.name: f.default for f in dataclasses.fields(typ)}
  return dict(data=plain(DataConfig), optim=plain(OptimConfig), train=plain(TrainConfig),
              metrics=plain(MetricsConfig),
              model=dict(name="convnet", **{f: models.registry.defaults(f) for f in models.names()}))
