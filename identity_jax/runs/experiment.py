"""An experiment: a base config and named cells (variations), each trained over K seeds and evaluated.

Every cell is validated (cell.py) before the workdir is touched or any data is loaded, so a typo costs
seconds. Layout of a workdir (all machine-readable; figures are drawn from these files alone):
  experiment.json            marker: experiment name, each cell's exact config (workdir.py)
  config.json                the experiment config (plots options included)
  cells/<cell>/              result.json, arrays.npz, params.npz (results.py)
  log.txt                    every line the run printed (progress per chunk included), time-stamped
  summary.json               per cell and suite: seed statistics of every metric, regime shares
  per_seed.jsonl             one row per (cell, seed, suite): the table to recompute any statistic
  *.png                      figures (plots.py)
"""

import contextlib
import datetime
import json
import pathlib
import shutil

import identity_jax
from identity_jax import atomic
from identity_jax.data import suites
from identity_jax.errors import ConfigError, WorkdirError, is_count
from identity_jax.reporting import figure_registry
from identity_jax.study import cell as cell_lib
from identity_jax.study import evaluate, paths, results, summary, workdir
from identity_jax.training import memory, multihost


def redraw(workdir_path) -> list[str]:
  """Recomputes summary.json and per_seed.jsonl from the cells' results and redraws every figure,
  without training. Returns the figure files written."""
  root = pathlib.Path(workdir_path)
  study = summary.load_study(root)
  if not (study.cells or study.partial):
    raise WorkdirError(f"no cell of {root} has finished (no cells/*/result.json)",
                       "run the experiment first (same --config and --workdir)")
  old = root / paths.SUMMARY
  try:  # the run's environment is kept; a damaged summary.json is what this rebuilds
    env = workdir.read_json(old).get("environment") if old.is_file() else None
  except WorkdirError:
    env = None
  summary.write_tables(study, root, env)
  return figure_registry.draw_study(study, root)


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


def run(config, workdir_path, log=print, only=None, shard: str = "", max_new_seeds: int = 0) -> dict:
  """Trains every cell not yet finished in `workdir_path` (or only those of `only` / `shard`, see
  select_cells), then writes tables and figures over every finished cell; returns the summary.

  max_new_seeds > 0 trains at most that many of each cell's missing seeds (the next ones in order):
  a cell too long for one sitting is trained in blocks, each saved as a result that the next job
  adds to (results.add_seeds), so a block outlives the machine once published. Seed i's result does
  not depend on the block it trained in under the paper schedule, where each seed's training ends
  on its own (the others stop when every seed of the job is below the tolerance). A frozen seed
  (loop.SETTLE_STEPS: one that can never fit) trains on until its job stops, so its final loss and
  output may differ slightly between blocks; it stays unfitted in any.

  Several jobs may run on one workdir at once: each cell is trained under a lock on its directory,
  so a cell another job is training is skipped (and said so), never trained twice."""
  if not is_count(max_new_seeds) or max_new_seeds < 0:
    raise ConfigError(f"--max_new_seeds = {max_new_seeds!r} is not a count of seeds",
                      "give 0 (every missing seed) or a positive number of seeds per cell")
  cells = cell_lib.parse_all(config)
  records = {n: c.record for n, c in cells.items()}
  mine = select_cells(cells, only, shard)
  root = pathlib.Path(workdir_path)
  finished = workdir.claim(root, config.name, records, upgrade=cell_lib.upgrade)
  todo = [n for n in mine if n not in finished]
  # Before anything is written: a damaged result of a finished cell (named with its fix), a run the
  # kernel would kill for memory, a workdir that cannot be written.
  for name in finished:
    results.load(paths.cell_dir(root, name), with_arrays=False)
  for name in todo:
    memory.check(cells[name])
  workdir.check_writable(root)
  # Data first: a missing or corrupt dataset, or sizes beyond it, fail before anything is written.
  data_key = {n: json.dumps(records[n]["data"], sort_keys=True) for n in todo}
  data_by_config = {}  # cells with the same data section share the built suites
  for name in todo:
    if data_key[name] not in data_by_config:
      data_by_config[data_key[name]] = suites.build(cells[name].data)
  writer = multihost.is_writer()  # several processes: process 0 alone writes (multihost.py)
  if todo and writer:
    with workdir.lock(root / paths.LOCK):  # another job may be recording its cells
      workdir.claim(root, config.name, records, upgrade=cell_lib.upgrade)
      workdir.record(root, config.name, {n: records[n] for n in todo},
                     {"identity_jax": identity_jax.__version__})
      atomic.write_json(root / paths.CONFIG, config.to_dict())
  log = _logging_to(root / paths.LOG, log) if writer else (lambda _: None)
  if set(finished) & set(mine):
    log(f"skipping finished cells: {', '.join(sorted(c for c in finished if c in mine))}")
  for data in data_by_config.values():
    log(f"data: {data.sources}; train images {data.train.shape}; suites "
        + ", ".join(f"{k} {v.shape[0]}" for k, v in data.suites.items()))
  for name in todo:
    cell_dir = paths.cell_dir(root, name)
    held = workdir.lock(cell_dir / paths.LOCK, wait=False) if writer else contextlib.nullcontext()
    with held as holder:
      done = workdir.seed_count(cell_dir)  # read under the lock: what this job adds to
      finished_meanwhile = done == cells[name].num_seeds
      if multihost.agree(bool(holder is not None or finished_meanwhile)):
        log(f"[{name}] skipped: " + (f"another job is training it ({holder}); when it has finished, "
            "rerun this command to redraw the tables and figures with it" if holder else
            "another job finished it meanwhile"))
        continue
      asked = cells[name].num_seeds
      upto = min(asked, done + max_new_seeds) if max_new_seeds else asked
      _train_and_save(cells[name], data_by_config[data_key[name]], cell_dir, range(done, upto), log,
                      writer, config.plots.grid_per_suite)
  nothing = dict(name=config.name, cells={}, regime_rule=dict(suite=config.metrics.regime_suite))
  if not writer:  # the other processes write nothing
    return nothing
  with workdir.lock(root / paths.LOCK):
    study = summary.load_study(root) if (root / paths.CONFIG).is_file() else None
    if study is None or not (study.cells or study.partial):  # nothing finished: nothing to show
      log("no cell has finished yet: no tables or figures")
      return nothing
    out = summary.write_tables(study, root)  # with only blocks: summary.json names them (publish)
    figure_registry.draw_study(study, root)
  if study.partial:
    log(f"unfinished, trained in blocks of seeds: {_blocks(study.partial)}; rerun to add the next")
  return out


def _blocks(partial: dict) -> str:
  return ", ".join(f"{c} {summary.seeds_held(v)}" for c, v in partial.items())


def _train_and_save(cell: cell_lib.Cell, data, cell_dir: pathlib.Path, seeds: range, log,
                    writer: bool, grid_per_suite: int) -> None:
  """Trains the cell's `seeds`: all of them, or those after the ones it holds (its num_seeds raised
  since, or a block of --max_new_seeds), saved beside those (results.add_seeds)."""
  held, whole = seeds.start, seeds == range(cell.num_seeds)
  span = f"seed {held}" if len(seeds) == 1 else f"seeds {held}-{seeds.stop - 1}"
  checkpoint = cell_dir / paths.CHECKPOINT / ("" if whole else f"seeds_{held}-{seeds.stop - 1}")
  result, params = evaluate.train_and_evaluate(cell, data, log, checkpoint, grid_per_suite,
                                               first_seed=held, upto=seeds.stop)
  if not writer:
    return
  params = params if cell.train.save_params else None
  if held:
    trained_params = params is not None
    result, params = results.add_seeds(cell_dir, result, params)
    log(f"[{cell.name}] {span} added to the {held} it held")
    if trained_params and params is None:  # params.npz covers all of result.json's seeds or none
      log(f"[{cell.name}] parameters of {span} not kept: the {held} seeds it held have none saved "
          "(as in a workdir rebuilt from results/), so identity-jax-analyze retrains the cell")
  results.save(cell_dir, result, params)
  shutil.rmtree(cell_dir / paths.CHECKPOINT, ignore_errors=True)  # scratch, superseded by the result
  s = summary.summarize_cell(result)
  if seeds.stop < cell.num_seeds:
    log(f"[{cell.name}] holds {seeds.stop} of its {cell.num_seeds} seeds: unfinished until a "
        "rerun adds the rest")
  log(f"[{cell.name}] done in {result.timing['train_seconds']:.0f}s: {s.status}; "
      f"regimes of fitted seeds " + ", ".join(f"{k} {v['count']}" for k, v in s.regimes.items())
      + f" -> {s.verdict}")
