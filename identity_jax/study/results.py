"""Typed results of a trained cell, and the one place they are written to and read from a workdir.

  cells/<cell>/result.json   CellResult without arrays: per seed (SeedResult) status, losses, per-suite
                             mean metrics, regime; data sources, seed stream, steps, timings
  cells/<cell>/arrays.npz    CellArrays: loss history, per-image metrics per suite, prediction grids,
                             predictions at other input sizes
  cells/<cell>/params.npz    final parameters of every seed (leading seed axis)
A seed's regime is recomputed from its metrics and the cell's rule whenever a result is loaded, so a
changed rule (metrics.regime_*) needs no retraining; the stored one is for readers of the JSON.
"""

import dataclasses
import pathlib
from typing import Any

import flax.traverse_util
import jax
import numpy as np

from identity_jax import atomic
from identity_jax.measures.regime import FITTED, STATUSES, RegimeRule
from identity_jax.study import paths, workdir


@dataclasses.dataclass
class SeedResult:
  seed: int
  status: str                 # one of regime.STATUSES
  final_loss: float
  fitted_at: int              # first step below the fit tolerance, -1 if never
  diverged_at: int            # first step with a non-finite loss, -1 if never
  output_spread: float        # output variance across the test inputs / the inputs' (metrics.py)
  init_output_spread: float
  dead_at_init: bool
  suites: dict                # suite -> metric -> mean over the suite's images
  test_sizes: dict = dataclasses.field(default_factory=dict)  # "size" -> suite -> metric -> mean
  regime: str | None = None   # fitted seeds only (RegimeRule.of_seed)
  # first recorded step from which the training loss stayed at its final value, -1 if still moving
  # at the end (metrics.loss_frozen_at); None in results written before it was recorded
  loss_frozen_at: int | None = None

  @property
  def fitted(self) -> bool:
    return self.status == FITTED

  def to_json(self) -> dict:
    row = dataclasses.asdict(self)
    if not row["test_sizes"]:
      del row["test_sizes"]
    return row


@dataclasses.dataclass
class CellArrays:
  loss_steps: np.ndarray          # (snapshots + 1,)
  loss_history: np.ndarray        # (seeds, snapshots + 1)
  train_images: np.ndarray        # (k', S, S): the first training images
  train_predictions: np.ndarray   # (seeds, k', S, S)
  grid_inputs: np.ndarray         # (n, S, S): the first images of each grid suite
  grid_predictions: np.ndarray    # (seeds, n, S, S)
  per_image: dict                 # suite -> metric -> (seeds, images)
  sizes: dict = dataclasses.field(default_factory=dict)  # "size" -> suite -> (inputs, predictions)

  def to_npz(self) -> dict:
    out = {f: getattr(self, f) for f in ("loss_steps", "loss_history", "train_images",
                                         "train_predictions", "grid_inputs", "grid_predictions")}
    for suite, ms in self.per_image.items():
      for m, v in ms.items():
        out[f"metric/{suite}/{m}"] = v
    for size, by_suite in self.sizes.items():
      for suite, (inputs, preds) in by_suite.items():
        out[f"size/{size}/{suite}/inputs"] = inputs
        out[f"size/{size}/{suite}/predictions"] = preds
    return out

  @classmethod
  def from_npz(cls, z: dict) -> "CellArrays":
    per_image, sizes = {}, {}
    for key, v in z.items():
      parts = key.split("/")
      if parts[0] == "metric":
        per_image.setdefault(parts[1], {})[parts[2]] = v
      elif parts[0] == "size":
        pair = sizes.setdefault(parts[1], {}).setdefault(parts[2], [None, None])
        pair[parts[3] == "predictions"] = v
    sizes = {s: {n: tuple(p) for n, p in by.items()} for s, by in sizes.items()}
    plain = {k: v for k, v in z.items() if "/" not in k}
    return cls(per_image=per_image, sizes=sizes, **plain)


@dataclasses.dataclass
class CellResult:
  name: str
  config: dict                # the cell's resolved config, as recorded in the workdir
  seeds: list                 # [SeedResult]
  data_sources: dict
  seed_stream: str
  steps_run: int
  resumed_from_step: int
  timing: dict                # train_seconds, compile_seconds, seed_steps_per_second, cpu
  arrays: CellArrays | None = None  # None when loaded without them (results/ keeps no arrays)

  @property
  def rule(self) -> RegimeRule:
    return RegimeRule.of(self.config["metrics"])

  @property
  def fitted(self) -> list:
    return [s for s in self.seeds if s.fitted]

  def status_counts(self) -> dict:
    return {k: sum(s.status == k for s in self.seeds) for k in STATUSES}

  def regimes(self, metric: str = "corr") -> list:
    """Per seed: its regime under the cell's rule by `metric` (corr | cos), None unless fitted."""
    rule = self.rule
    return [rule.of_seed(s.status, s.suites, metric) for s in self.seeds]

  def classify(self) -> "CellResult":
    """Sets each seed's regime from its metrics and the cell's rule (None unless fitted)."""
    for s, r in zip(self.seeds, self.regimes()):
      s.regime = r
    return self

  def to_json(self) -> dict:
    return dict(cell=self.name, config=self.config, seeds=[s.to_json() for s in self.seeds],
                data_sources=self.data_sources, seed_stream=self.seed_stream,
                steps_run=self.steps_run, resumed_from_step=self.resumed_from_step,
                timing=self.timing)

  @classmethod
  def from_json(cls, d: dict, arrays: CellArrays | None = None) -> "CellResult":
    fields = {f.name for f in dataclasses.fields(SeedResult)}
    seeds = [SeedResult(**{k: v for k, v in s.items() if k in fields}) for s in d["seeds"]]
    cell = cls(name=d["cell"], config=d["config"], seeds=seeds, data_sources=d["data_sources"],
               seed_stream=d.get("seed_stream", ""), steps_run=d["steps_run"],
               resumed_from_step=d.get("resumed_from_step", 0), timing=d["timing"], arrays=arrays)
    return cell.classify()


def save(cell_dir, result: CellResult, params=None) -> None:
  """Arrays and parameters first, result.json last: its presence marks the cell finished."""
  cell_dir = pathlib.Path(cell_dir)
  if result.arrays is not None:
    workdir.write_npz(cell_dir / paths.ARRAYS, result.arrays.to_npz())
  if params is not None:
    save_params(cell_dir / paths.PARAMS, params)
  atomic.write_json(cell_dir / paths.RESULT, result.to_json())


def is_finished(cell_dir) -> bool:
  return (pathlib.Path(cell_dir) / paths.RESULT).is_file()


def load(cell_dir, with_arrays: bool = True) -> CellResult:
  cell_dir = pathlib.Path(cell_dir)
  arrays = None
  if with_arrays and (cell_dir / paths.ARRAYS).is_file():
    with workdir.read_npz(cell_dir / paths.ARRAYS) as z:
      try:
        arrays = CellArrays.from_npz(dict(z))
      except (KeyError, TypeError, ValueError) as e:
        raise workdir.corrupt(cell_dir / paths.ARRAYS, f"is not a cell's arrays ({e!r})") from None
  record = workdir.read_json(cell_dir / paths.RESULT)
  try:
    result = CellResult.from_json(record, arrays)
  except (KeyError, TypeError, ValueError, AttributeError) as e:
    raise workdir.corrupt(cell_dir / paths.RESULT, f"is not a cell's result (missing or bad {e!r})") from None
  if result.name != cell_dir.name:
    raise workdir.corrupt(cell_dir / paths.RESULT, f"holds cell {result.name!r}'s result, not "
                          f"{cell_dir.name!r}'s (copied from elsewhere?)")
  return result


def timed_seed_steps(timing: dict) -> float:
  """The seed-steps a cell's timing accounts for: its rate times its compile-free seconds."""
  return (timing["train_seconds"] - timing["compile_seconds"]) * timing["seed_steps_per_second"]


def cpus(cpu: str) -> list[str]:
  """The machines a cell's timing 'cpu' names, once each, in the order they trained it: a cell
  grown in blocks of seeds on several machines joins them with '; '."""
  return list(dict.fromkeys(c for c in cpu.split("; ") if c))


def join_cpus(*cpu: str) -> str:
  """Timing 'cpu' for blocks trained on these machines (each itself possibly joined)."""
  return "; ".join(cpus("; ".join(cpu)))


def add_seeds(cell_dir, new: CellResult, new_params=None) -> tuple:
  """(result, parameters) of the cell's finished seeds followed by `new`'s, trained since (its
  num_seeds raised, seeds numbered on from the stored ones): seeds, arrays and parameters joined,
  loss histories padded to the longer one, timings summed. The stored arrays and parameters are cut
  to the stored result's seeds first, so a join redone after a save cut short (arrays written, the
  result not yet) gives the same. Arrays or parameters the workdir lacks for the earlier seeds (a
  workdir rebuilt from results/) are dropped for all."""
  cell_dir = pathlib.Path(cell_dir)
  old = load(cell_dir)
  n = len(old.seeds)
  if [s.seed for s in old.seeds] != list(range(n)) or new.seeds[0].seed != n \
      or new.seed_stream != old.seed_stream:
    raise workdir.corrupt(cell_dir / paths.RESULT, f"holds seeds {[s.seed for s in old.seeds]} "
                          f"of stream {old.seed_stream!r}; seeds from {new.seeds[0].seed} of stream "
                          f"{new.seed_stream!r} cannot follow them")
  arrays = None
  if old.arrays is not None and new.arrays is not None:
    arrays = _join_arrays(old.arrays, new.arrays, n)
  params = None
  if new_params is not None and (cell_dir / paths.PARAMS).is_file():
    flat = lambda tree: flax.traverse_util.flatten_dict(jax.device_get(tree), sep="/")
    a, b = flat(load_params(cell_dir / paths.PARAMS)), flat(new_params)
    params = flax.traverse_util.unflatten_dict(
        {k: np.concatenate([np.asarray(a[k])[:n], np.asarray(b[k])]) for k in b}, sep="/")
  parts = (old.timing, new.timing)
  total = lambda key: sum(t[key] for t in parts)
  timing = dict(train_seconds=total("train_seconds"), compile_seconds=total("compile_seconds"),
                cpu=join_cpus(*(t.get("cpu", "") for t in parts)))
  timing["seed_steps_per_second"] = sum(map(timed_seed_steps, parts)) / max(
      timing["train_seconds"] - timing["compile_seconds"], 1e-9)
  result = CellResult(
      name=new.name, config=new.config, seeds=old.seeds + new.seeds, data_sources=new.data_sources,
      seed_stream=new.seed_stream, steps_run=max(old.steps_run, new.steps_run),
      resumed_from_step=new.resumed_from_step, timing=timing, arrays=arrays)
  return result.classify(), params


def _join_arrays(a: CellArrays, b: CellArrays, n: int) -> CellArrays:
  """a's first n seeds, then b's (same cell, same snapshot grid: the shorter loss_steps, a run that
  stopped sooner, is a prefix of the longer)."""
  steps = max(a.loss_steps, b.loss_steps, key=len)
  if not all(np.array_equal(s, steps[:len(s)]) for s in (a.loss_steps, b.loss_steps)):
    raise ValueError(f"loss snapshots at {a.loss_steps} and {b.loss_steps}: not one cell's runs")
  pad = lambda h: np.pad(h, ((0, 0), (0, len(steps) - h.shape[1])), constant_values=np.nan)
  join = lambda x, y: np.concatenate([np.asarray(x)[:n], np.asarray(y)])
  return CellArrays(
      loss_steps=steps, loss_history=join(pad(np.asarray(a.loss_history)[:n]), pad(b.loss_history)),
      train_images=a.train_images, train_predictions=join(a.train_predictions, b.train_predictions),
      grid_inputs=a.grid_inputs, grid_predictions=join(a.grid_predictions, b.grid_predictions),
      per_image={suite: {m: join(v, b.per_image[suite][m]) for m, v in ms.items()}
                 for suite, ms in a.per_image.items()},
      sizes={size: {suite: (inputs, join(preds, b.sizes[size][suite][1]))
                    for suite, (inputs, preds) in by.items()} for size, by in a.sizes.items()})


def save_params(path, params) -> None:
  """Final parameters of every seed (leading axis), as .npz keyed 'params/layer_i/kernel'."""
  workdir.write_npz(path, flax.traverse_util.flatten_dict(jax.device_get(params), sep="/"),
                    compressed=False)


def load_params(path) -> Any:
  with workdir.read_npz(path) as z:
    return flax.traverse_util.unflatten_dict({k: z[k] for k in z.files}, sep="/")
