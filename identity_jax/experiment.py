"""An experiment: a base config and named cells (variations), each trained over K seeds and evaluated.

Everything is validated before the workdir is touched or any data is loaded, so a typo costs seconds.
Layout of a workdir (all machine-readable; figures are drawn from these files alone):
  experiment.json            marker: experiment name, each cell's exact config (see workdir.py)
  cells/<cell>/result.json   per seed: status, losses, regime, per-suite mean metrics; timings
  cells/<cell>/arrays.npz    loss history, per-image metrics per suite, the prediction-grid images
  cells/<cell>/params.npz    final parameters of every seed (train.save_params); initial ones are
                             recomputed from the seeds
  log.txt                    every line the run printed (progress per chunk included), time-stamped
  summary.json               per cell and suite: seed statistics of every metric, regime shares
  per_seed.jsonl             one row per (cell, seed, suite): the table to recompute any statistic
  *.png                      figures (plots.py)
"""

import contextlib
import copy
import datetime
import json
import pathlib
import platform
import shutil
import time

import flax.traverse_util
import jax
import jax.numpy as jnp
import numpy as np

import identity_jax
from identity_jax import (images, metrics, models, multihost, optim, plots, stats, test_suites,
                          train, workdir)
from identity_jax.errors import ConfigError, WorkdirError, check_choice, check_positive

CELL_SECTIONS = ("data", "model", "optim", "train", "metrics")
SIZE_SUITES = ("mnist", "patterns")  # what metrics.test_sizes evaluates, where present
MAX_SAVED_TRAIN = 8  # training images (and predictions) kept in arrays.npz
LOG_FILE = "log.txt"
GRID_SUITES = ("mnist", "fashion", "blends", "patterns", "random", "rho_0.00")


def resolve_cells(config) -> dict:
  """Cell name -> the complete plain-dict config of that cell (base with the cell's overrides)."""
  base = config.to_dict()
  overrides = base.pop("cells") or {"base": {}}
  base.pop("plots", None)
  cells = {}
  for name, cell in overrides.items():
    resolved = copy.deepcopy(base)
    for section, values in cell.items():
      if section not in CELL_SECTIONS:
        raise ConfigError(f"cell {name!r} overrides section {section!r}",
                          f"a cell may override only {', '.join(CELL_SECTIONS)}")
      for key, value in values.items():
        if key not in resolved[section]:
          raise ConfigError(f"cell {name!r} sets unknown field {section}.{key}",
                            f"use one of: {', '.join(sorted(resolved[section]))}")
        resolved[section][key] = value
    cells[name] = resolved
  return cells


class _Cfg(dict):
  """Attribute access over a plain dict section, so builders take ConfigDicts and dicts alike."""
  __getattr__ = dict.__getitem__


def _num_layers(model_cfg) -> int:
  return model_cfg.hidden_layers + 1 if model_cfg.name == "fcn" else model_cfg.num_layers


def _validate_suites(data: dict, metrics_cfg: dict) -> None:
  for name in data["suites"]:
    check_choice("data.suites entry", name, test_suites.SUITES)
  for rho in data["rhos"]:
    if not 0.0 <= rho <= 1.0:
      raise ConfigError(f"rho {rho} is outside [0, 1]", "use data.rhos between 0 and 1")
  names = [n for n in data["suites"] if n != "rho"]
  names += [f"rho_{r:.2f}" for r in data["rhos"]] if "rho" in data["suites"] else []
  if metrics_cfg["regime_suite"] not in names:
    raise ConfigError(f"metrics.regime_suite {metrics_cfg['regime_suite']!r} is not among the test "
                      f"suites {names}", "pick one of those suites, or add it to data.suites")


def validate(cell: dict):
  """Builds what a cell needs; raises ConfigError for any bad value. Returns (model, optimizer)."""
  check_positive("num_seeds", cell["num_seeds"], integer=True)
  t = _Cfg(cell["train"])
  check_positive("train.num_steps", t.num_steps, integer=True)
  check_positive("train.num_snapshots", t.num_snapshots, integer=True)
  check_positive("train.fit_tolerance", t.fit_tolerance)
  check_positive("metrics.dead_threshold", cell["metrics"]["dead_threshold"])
  if not isinstance(cell["paired_seeds"], bool):
    raise ConfigError(f"paired_seeds = {cell['paired_seeds']!r} is not True or False",
                      "use False (independent seeds per cell) or True (a paired comparison)")
  if not t.checkpoint_minutes >= 0:
    raise ConfigError(f"train.checkpoint_minutes = {t.checkpoint_minutes!r} is negative",
                      "use 0 (save after every chunk) or a positive number of minutes")
  train.resolve_seeds_per_vmap(t.seeds_per_vmap, cell["num_seeds"])
  if isinstance(t.batch_size, bool) or not isinstance(t.batch_size, int) or t.batch_size < 0:
    raise ConfigError(f"train.batch_size = {t.batch_size!r} is not a count",
                      "use 0 (all training images every step) or a positive number of images")
  check_positive("data.image_size", cell["data"]["image_size"], integer=True)
  model_cfg = _Cfg(cell["model"])
  _validate_suites(cell["data"], cell["metrics"])
  sizes = cell["metrics"]["test_sizes"]
  if sizes and model_cfg.name != "convnet":
    raise ConfigError(f"metrics.test_sizes = {list(sizes)} needs a ConvNet; an FCN takes one input "
                      "size only", "set metrics.test_sizes = [] for FCN cells")
  for size in sizes:
    check_positive("metrics.test_sizes entry", size, integer=True)
  model = models.build_model(model_cfg)
  tx = optim.make_optimizer(_Cfg(cell["optim"]), t.num_steps)
  trainable = optim.parse_trainable(t.trainable, _num_layers(model_cfg))
  if len(trainable) < _num_layers(model_cfg):
    tx = optim.with_frozen_layers(tx, trainable)
  return model, tx


def environment() -> dict:
  devices = jax.devices()
  cpu = ""
  try:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                if line.startswith("model name")), "")
  except OSError:
    pass
  import flax, optax  # noqa: E401 (versions only)
  return dict(identity_jax=identity_jax.__version__, jax=jax.__version__, flax=flax.__version__,
              optax=optax.__version__, numpy=np.__version__, python=platform.python_version(),
              backend=jax.default_backend(), devices=[d.device_kind for d in devices],
              host=platform.node(), cpu=cpu,
              time=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"))


def _progress_printer(cell: str, num_seeds: int, log):
  start = time.perf_counter()

  def progress(p):
    rate = p["chunk_steps"] / max(p["chunk_seconds"], 1e-9)
    left = (p["num_steps"] - p["step"]) / rate
    q = np.nanquantile(np.where(np.isfinite(p["loss"]), p["loss"], np.nan), [0.1, 0.5, 0.9]) \
        if np.isfinite(p["loss"]).any() else [np.nan] * 3
    log(f"[{cell}] step {p['step']}/{p['num_steps']}  {rate * num_seeds:,.0f} seed-steps/s  "
        f"elapsed {time.perf_counter() - start:.0f}s ETA {left:.0f}s  "
        f"loss q10/50/90 {q[0]:.2e}/{q[1]:.2e}/{q[2]:.2e}  "
        f"fitted {p['fitted']}/{num_seeds} diverged {p['diverged']}/{num_seeds}")
  return progress


def seed_stream(cell: dict, label: str) -> str:
  """The key stream of the seeds of cell `label` (train.seed_keys): '' when paired, else
  'study/cell'."""
  return "" if cell["paired_seeds"] else f"{cell['name']}/{label}"


def cell_keys(cell: dict, label: str) -> jax.Array:
  """The seed keys cell `label` trains from: training, analyses and notebooks all use these."""
  return train.seed_keys(cell["seed"], range(cell["num_seeds"]), seed_stream(cell, label))


def final_status(trained: str, output_spread: float, dead_threshold: float) -> str:
  """Training's status, with not_fitted made dead when the output does not depend on the input."""
  if trained == train.NOT_FITTED and metrics.is_flat(output_spread, dead_threshold):
    return train.DEAD
  return trained


def train_cell(cell: dict, data: test_suites.Data, log=print, checkpoint_dir=None) -> dict:
  """Trains and evaluates one cell; returns {'result': json-able dict, 'arrays': name -> array,
  'params': final parameters with a leading seed axis}.

  With checkpoint_dir, training saves there and resumes from what an interrupted run saved.
  """
  model, tx = validate(cell)
  t = cell["train"]
  paper = t["num_steps"] if cell["optim"]["schedule"] == "paper" else 0
  trainer = train.Trainer(model, tx, jnp.asarray(data.train), t["fit_tolerance"], t["batch_size"],
                          paper_schedule_steps=paper)
  seeds = list(range(cell["num_seeds"]))
  keys = cell_keys(cell, cell["label"])
  options = train.RunOptions(
      seeds_per_vmap=t["seeds_per_vmap"], seed_chunk=t["seed_chunk"],
      stop_when_fitted=t["stop_when_fitted"], checkpoint_dir=checkpoint_dir,
      checkpoint_minutes=t["checkpoint_minutes"])
  res = train.train(trainer, keys, t["num_steps"], t["num_snapshots"],
                    _progress_printer(cell["label"], len(seeds), log), options)
  if res.resumed_from_step:
    log(f"[{cell['label']}] resumed from the checkpoint at step {res.resumed_from_step}")
  preds, per_image = metrics.evaluate(model, res.params, data.train, data.suites)
  pooled = np.concatenate(list(data.suites.values()))
  spread = metrics.output_spread(np.concatenate(list(preds.values()), axis=1), pooled)
  init_spread = metrics.output_spread(metrics.predict(model, res.init_params, pooled), pooled)
  size_inputs, size_preds, size_metrics = _at_test_sizes(model, res.params, data,
                                                         cell["metrics"]["test_sizes"])
  seed_means = lambda by_suite, s: {name: {m: float(np.mean(v[s])) for m, v in ms.items()}
                                    for name, ms in by_suite.items()}
  dead = cell["metrics"]["dead_threshold"]
  per_seed = []
  for s, seed in enumerate(seeds):
    suites = seed_means(per_image, s)
    sizes = {size: seed_means(by, s) for size, by in size_metrics.items()}
    row = dict(seed=seed, status=final_status(res.status[s], spread[s], dead),
               final_loss=float(res.final_loss[s]), fitted_at=int(res.fitted_at[s]),
               diverged_at=int(res.diverged_at[s]), output_spread=float(spread[s]),
               init_output_spread=float(init_spread[s]), dead_at_init=metrics.is_flat(init_spread[s], dead),
               suites=suites, **({"test_sizes": sizes} if sizes else {}))
    per_seed.append(dict(row, regime=stats.seed_regime(row, cell["metrics"])))
  steps_done = (res.steps_run - res.resumed_from_step) * len(seeds)
  steady = res.train_seconds - res.compile_seconds
  result = dict(cell=cell["label"], config=cell, seeds=per_seed, data_sources=data.sources,
                seed_stream=seed_stream(cell, cell["label"]), steps_run=res.steps_run,
                resumed_from_step=res.resumed_from_step,
                timing=dict(train_seconds=res.train_seconds, compile_seconds=res.compile_seconds,
                            seed_steps_per_second=steps_done / max(steady, 1e-9)))
  grid_names = [n for n in GRID_SUITES if n in data.suites]
  per = cell["grid_per_suite"]
  kept_train = data.train[:MAX_SAVED_TRAIN]
  arrays = {"loss_steps": res.loss_steps, "loss_history": res.loss_history,
            "train_images": kept_train,
            "train_predictions": np.asarray(metrics.predict(model, res.params, kept_train)),
            "grid_inputs": np.concatenate([data.suites[n][:per] for n in grid_names]),
            "grid_predictions": np.concatenate([preds[n][:, :per] for n in grid_names], axis=1)}
  for name, ms in per_image.items():
    for m, v in ms.items():
      arrays[f"metric/{name}/{m}"] = v
  for size, preds_by in size_preds.items():  # the first images of each suite, for the size grid
    for name, p in preds_by.items():
      arrays[f"size/{size}/{name}/inputs"] = size_inputs[size][name][:per]
      arrays[f"size/{size}/{name}/predictions"] = p[:, :per]
  return dict(result=result, arrays=arrays, params=res.params)


def _at_test_sizes(model, params, data, sizes):
  """Predictions and metrics of a ConvNet at other input sizes (Fig 3b, 18): the suites of SIZE_SUITES
  and the training image(s), resized. Returns (inputs, predictions, metrics), keyed by str(size)."""
  inputs, preds, per_image = {}, {}, {}
  names = [n for n in SIZE_SUITES if n in data.suites]
  for size in sizes:
    inputs[str(size)] = {n: images.resize(data.suites[n], int(size)) for n in names}
    preds[str(size)], per_image[str(size)] = metrics.evaluate(
        model, params, images.resize(data.train, int(size)), inputs[str(size)])
  return inputs, preds, per_image


def save_params(path, params) -> None:
  """Final parameters of every seed (leading axis), as .npz keyed 'params/layer_i/kernel'."""
  workdir.write_npz(path, flax.traverse_util.flatten_dict(jax.device_get(params), sep="/"),
                    compressed=False)


def load_params(path):
  with np.load(path) as z:
    return flax.traverse_util.unflatten_dict({k: z[k] for k in z.files}, sep="/")


def status_counts(seeds) -> dict:
  return {k: sum(s["status"] == k for s in seeds) for k in train.STATUSES}


def status_line(counts: dict) -> str:
  """e.g. 'fitted 7/9; not_fitted 1, diverged 1' (zero counts left out)."""
  total = sum(counts.values())
  rest = ", ".join(f"{k} {v}" for k, v in counts.items() if k != train.FITTED and v)
  return f"fitted {counts[train.FITTED]}/{total}" + (f"; {rest}" if rest else "")


def summarize_cell(result: dict) -> dict:
  """Statistics of one cell. Regimes and every metric statistic over fitted seeds only (stats.py);
  the other seeds are counted in status_counts, and their final losses summarized apart."""
  seeds = result["seeds"]
  fitted = [s for s in seeds if s["status"] == train.FITTED]
  others = [s for s in seeds if s["status"] != train.FITTED]
  suite_names = seeds[0]["suites"].keys()
  rule = result["config"]["metrics"]
  by_corr = [stats.seed_regime(s, rule) for s in fitted]
  by_cosine = [stats.seed_regime(s, rule, "cos") for s in fitted]
  counts = status_counts(seeds)
  shares = stats.regime_shares(by_corr)
  over_fitted = lambda pick: {m: stats.summarize([pick(s)[m] for s in fitted]) for m in metrics.METRICS}
  return dict(
      status_counts=counts,
      status=status_line(counts),
      dead_at_init=sum(bool(s.get("dead_at_init")) for s in seeds),
      regimes=shares,
      verdict=stats.verdict(counts, shares),
      # The same rule on cosine similarity instead of Pearson correlation (an open question of
      # the paper's wording): its shares, and how many fitted seeds it classifies the same way.
      regimes_cosine=stats.regime_shares(by_cosine),
      cosine_agrees=sum(a == b for a, b in zip(by_cosine, by_corr)),
      suites={name: over_fitted(lambda s, n=name: s["suites"][n]) for name in suite_names},
      test_sizes={size: {name: over_fitted(lambda s, z=size, n=name: s["test_sizes"][z][n])
                         for name in by}
                  for size, by in seeds[0].get("test_sizes", {}).items()},
      fitted_at=stats.summarize([s["fitted_at"] for s in fitted]),
      final_loss_not_fitted=stats.summarize([s["final_loss"] for s in others]),
      seed_stream=result.get("seed_stream"),
      timing=result["timing"])


def write_tables(root: pathlib.Path, cell_names, config_dict: dict, env: dict | None = None) -> dict:
  """summary.json and per_seed.jsonl from the cells' result files (the only source of truth).
  env: the environment to record (default: this process's)."""
  results = {c: workdir.read_json(root / "cells" / c / "result.json") for c in cell_names}
  rows = []
  for c, r in results.items():
    for s in r["seeds"]:
      for suite, ms in s["suites"].items():
        rows.append(dict(cell=c, seed=s["seed"], status=s["status"],
                         regime=stats.seed_regime(s, r["config"]["metrics"]),
                         final_loss=s["final_loss"], output_spread=s.get("output_spread"),
                         suite=suite, **ms))
  workdir.write_bytes(root / "per_seed.jsonl",
                      "".join(json.dumps(row) + "\n" for row in rows).encode())
  summary = dict(name=config_dict["name"], cells={c: summarize_cell(r) for c, r in results.items()},
                 regime_rule=dict(suite=config_dict["metrics"]["regime_suite"],
                                  threshold=config_dict["metrics"]["regime_threshold"],
                                  doc=stats.__doc__.strip()),
                 preset=config_dict.get("preset"), paired_seeds=config_dict.get("paired_seeds", True),
                 environment=env or environment())
  workdir.write_json(root / "summary.json", summary)
  return summary


def redraw(workdir_path) -> list[str]:
  """Recomputes summary.json and per_seed.jsonl from the cells' results and redraws every figure,
  without training. Returns the figure files written."""
  root = pathlib.Path(workdir_path)
  fix = "point --workdir at a directory that experiments/main.py wrote"
  if not (root / workdir.MARKER).is_file() or not (root / "config.json").is_file():
    raise WorkdirError(f"{root} holds no identity_jax experiment (no {workdir.MARKER})", fix)
  config_dict = workdir.read_json(root / "config.json")
  names = list(config_dict.get("cells") or {"base": {}})
  cells = [c for c in names if (root / "cells" / c / "result.json").is_file()]
  if not cells:
    raise WorkdirError(f"no cell of {root} has finished (no cells/*/result.json)",
                       "run the experiment first (same --config and --workdir)")
  old = root / "summary.json"
  env = workdir.read_json(old).get("environment") if old.is_file() else None
  write_tables(root, cells, config_dict, env)
  return plots.draw_all(root, cells, config_dict.get("plots", {}))


def _logging_to(path: pathlib.Path, log):
  """`log`, also appending each line with a UTC time stamp to `path` (kept across reruns)."""
  path.parent.mkdir(parents=True, exist_ok=True)

  def both(line: str):
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    with open(path, "a") as f:
      f.write(f"{stamp} {line}\n")
    log(line)
  return both


def select_cells(names, only=None, shard: str = "") -> list:
  """The cells this job trains: `only` (names, in the config's order) or all, then the i-th of every
  n of them for shard 'i/n' (jobs sharing one workdir, e.g. over machines)."""
  chosen = list(names)
  if only:
    unknown = [c for c in only if c not in chosen]
    if unknown:
      raise ConfigError(f"--cells names {unknown}, not cells of this config",
                        f"use some of: {', '.join(chosen)}")
    chosen = [c for c in chosen if c in only]
  if shard:
    fix = "give --shard as i/n with 0 <= i < n, e.g. 0/2 and 1/2 for two jobs"
    try:
      i, n = (int(v) for v in shard.split("/"))
    except ValueError:
      raise ConfigError(f"--shard = {shard!r} is not i/n", fix) from None
    if not 0 <= i < n:
      raise ConfigError(f"--shard = {shard!r} is out of range", fix)
    chosen = chosen[i::n]
  return chosen


def run(config, workdir_path, log=print, only=None, shard: str = "") -> dict:
  """Trains every cell not yet finished in `workdir_path` (or only those of `only` / `shard`, see
  select_cells), then writes tables and figures over every finished cell.

  Several jobs may run on one workdir at once: each cell is trained under a lock on its directory,
  so a cell another job is training is skipped (and said so), never trained twice."""
  cells = resolve_cells(config)
  for name, cell in cells.items():
    cell["label"] = name
    cell["grid_per_suite"] = config.plots.grid_per_suite
    validate(cell)
  mine = select_cells(cells, only, shard)
  fingerprinted = {n: {k: v for k, v in c.items() if k not in ("label", "grid_per_suite")}
                   for n, c in cells.items()}
  root = pathlib.Path(workdir_path)
  finished = workdir.claim(root, config.name, fingerprinted)
  todo = [n for n in mine if n not in finished]
  # Data first: a missing or corrupt dataset, or sizes beyond it, fail before anything is written.
  data_key = {n: json.dumps(cells[n]["data"], sort_keys=True) for n in todo}
  data_by_config = {}  # cells with the same data section share the built suites
  for name in todo:
    if data_key[name] not in data_by_config:
      data_by_config[data_key[name]] = test_suites.build(_Cfg(cells[name]["data"]))
  writer = multihost.is_writer()  # several processes: process 0 alone writes (multihost.py)
  if todo and writer:
    with workdir.lock(root / workdir.LOCK):  # another job may be recording its cells
      workdir.claim(root, config.name, fingerprinted)
      workdir.record(root, config.name, {n: fingerprinted[n] for n in todo},
                     {"identity_jax": identity_jax.__version__})
      workdir.write_json(root / "config.json", config.to_dict())
  log = _logging_to(root / LOG_FILE, log) if writer else (lambda _: None)
  if set(finished) & set(mine):
    log(f"skipping finished cells: {', '.join(sorted(c for c in finished if c in mine))}")
  for data in data_by_config.values():
    log(f"data: {data.sources}; train images {data.train.shape}; suites "
        + ", ".join(f"{k} {v.shape[0]}" for k, v in data.suites.items()))
  for name in todo:
    cell_dir = root / "cells" / name
    held = workdir.lock(cell_dir / workdir.LOCK, wait=False) if writer else contextlib.nullcontext()
    with held as holder:
      finished_meanwhile = (cell_dir / "result.json").is_file()
      if multihost.agree(bool(holder is not None or finished_meanwhile)):
        log(f"[{name}] skipped: " + (f"another job is training it ({holder}); when it has finished, "
            "rerun this command to redraw the tables and figures with it" if holder else
            "another job finished it meanwhile"))
        continue
      _train_and_save(cells[name], data_by_config[data_key[name]], cell_dir, log, writer)
  done = [n for n in cells if (root / "cells" / n / "result.json").is_file()]
  if not writer or not done:  # the other processes write nothing; nothing finished: nothing to show
    if writer:
      log("no cell has finished yet: no tables or figures")
    return dict(name=config.name, cells={}, regime_rule=dict(suite=config.metrics.regime_suite))
  with workdir.lock(root / workdir.LOCK):
    summary = write_tables(root, done, config.to_dict())
    plots.draw_all(root, done, config.plots.to_dict())
  return summary


def _train_and_save(cell: dict, data, cell_dir: pathlib.Path, log, writer: bool = True) -> None:
  out = train_cell(cell, data, log, checkpoint_dir=cell_dir / "checkpoint")
  if not writer:
    return
  workdir.write_npz(cell_dir / "arrays.npz", out["arrays"])
  if cell["train"]["save_params"]:
    save_params(cell_dir / "params.npz", out["params"])
  # result.json last: its presence marks the cell finished.
  workdir.write_json(cell_dir / "result.json", out["result"])
  shutil.rmtree(cell_dir / "checkpoint", ignore_errors=True)  # scratch, superseded by the result
  s = summarize_cell(out["result"])
  log(f"[{cell['label']}] done in {out['result']['timing']['train_seconds']:.0f}s: {s['status']}; "
      f"regimes of fitted seeds " + ", ".join(f"{k} {v['count']}" for k, v in s["regimes"].items())
      + f" -> {s['verdict']}")
