"""Trains one cell over its seeds and evaluates every seed on the test suites: a CellResult."""

import time

import jax
import jax.numpy as jnp
import numpy as np

from identity_jax.data import images
from identity_jax.data import suites as suites_lib
from identity_jax.measures import metrics
from identity_jax.measures.regime import DEAD, NOT_FITTED
from identity_jax.study.cell import Cell
from identity_jax.study.results import CellArrays, CellResult, SeedResult
from identity_jax.training import host, loop, program

SIZE_SUITES = ("mnist", "patterns")  # what metrics.test_sizes evaluates, where present
MAX_SAVED_TRAIN = 8  # training images (and predictions) kept in the arrays
GRID_SUITES = ("mnist", "fashion", "blends", "patterns", "random", "rho_0.00")


def cell_keys(cell: Cell, first_seed: int = 0, upto: int | None = None) -> jax.Array:
  """The keys of the cell's seeds first_seed..upto-1 (default: to its last; training, analyses and
  notebooks all use these)."""
  stop = cell.num_seeds if upto is None else upto
  return program.seed_keys(cell.seed, range(first_seed, stop), cell.seed_stream)


def final_status(trained: str, output_spread: float, dead_threshold: float) -> str:
  """Training's status, with not_fitted made dead when the output does not depend on the input."""
  if trained == NOT_FITTED and metrics.is_flat(output_spread, dead_threshold):
    return DEAD
  return trained


def progress_printer(cell: str, num_seeds: int, log):
  """loop.train's progress callback: one line per chunk."""
  start = time.perf_counter()

  def progress(p):
    rate = p["chunk_steps"] / max(p["chunk_seconds"], 1e-9)
    left = (p["num_steps"] - p["step"]) / rate
    q = np.nanquantile(np.where(np.isfinite(p["loss"]), p["loss"], np.nan), [0.1, 0.5, 0.9]) \
        if np.isfinite(p["loss"]).any() else [np.nan] * 3
    log(f"[{cell}] step {p['step']}/{p['num_steps']}  {rate * num_seeds:,.0f} seed-steps/s  "
        f"elapsed {time.perf_counter() - start:.0f}s ETA {left:.0f}s  "
        f"loss q10/50/90 {q[0]:.2e}/{q[1]:.2e}/{q[2]:.2e}  "
        f"fitted {p['fitted']}/{num_seeds} diverged {p['diverged']}/{num_seeds}"
        + (f" frozen {p['frozen']}/{num_seeds}" if p["frozen"] else ""))
  return progress


def trainer(cell: Cell, data: suites_lib.Data) -> program.Trainer:
  paper = cell.train.num_steps if cell.optim.schedule == "paper" else 0
  return program.Trainer(cell.module, cell.optimizer, jnp.asarray(data.train), cell.train.fit_tolerance,
                       cell.train.batch_size, paper_schedule_steps=paper)


def train_and_evaluate(cell: Cell, data: suites_lib.Data, log=print, checkpoint_dir=None,
                       grid_per_suite: int = 2, first_seed: int = 0, upto: int | None = None):
  """(CellResult with its arrays, final parameters with a leading seed axis) of the cell's seeds
  first_seed..upto-1 (default: all of them). With checkpoint_dir, training saves there and resumes
  from what an interrupted run saved."""
  t = cell.train
  model = cell.module
  options = loop.RunOptions(seeds_per_vmap=t.seeds_per_vmap, seed_chunk=t.seed_chunk,
                             stop_when_fitted=t.stop_when_fitted, checkpoint_dir=checkpoint_dir,
                             checkpoint_minutes=t.checkpoint_minutes)
  keys = cell_keys(cell, first_seed, upto)
  num_seeds = len(keys)
  res = loop.train(trainer(cell, data), keys, t.num_steps, t.num_snapshots,
                    progress_printer(cell.name, num_seeds, log), options)
  if res.resumed_from_step:
    before = "not recorded" if res.earlier_seconds is None else f"{res.earlier_seconds:.0f}s"
    log(f"[{cell.name}] resumed from the checkpoint at step {res.resumed_from_step} "
        f"(training time before it: {before})")
  preds, per_image = metrics.evaluate(model, res.seeds.params, data.train, data.suites)
  pooled = np.concatenate(list(data.suites.values()))
  spread = metrics.output_spread(np.concatenate(list(preds.values()), axis=1), pooled)
  init_spread = metrics.output_spread(metrics.predict(model, res.seeds.init_params, pooled), pooled)
  sizes = _at_test_sizes(model, res.seeds.params, data, cell.metrics.test_sizes)
  seed_means = lambda by_suite, s: {name: {m: float(np.mean(v[s])) for m, v in ms.items()}
                                    for name, ms in by_suite.items()}
  dead = cell.metrics.dead_threshold
  frozen = metrics.loss_frozen_at(res.loss_steps, res.seeds.loss_history)
  seeds = []
  for s in range(num_seeds):
    seeds.append(SeedResult(
        seed=first_seed + s, status=final_status(res.status[s], spread[s], dead),
        final_loss=float(res.seeds.final_loss[s]), fitted_at=int(res.seeds.fitted_at[s]),
        diverged_at=int(res.seeds.diverged_at[s]), output_spread=float(spread[s]),
        init_output_spread=float(init_spread[s]), dead_at_init=metrics.is_flat(init_spread[s], dead),
        suites=seed_means(per_image, s),
        test_sizes={size: seed_means(m, s) for size, (_, _, m) in sizes.items()},
        loss_frozen_at=int(frozen[s])))
  # A resumed run counts the processes before it where its checkpoint recorded their time (else
  # this process alone, and the steps it ran).
  known = res.earlier_seconds is not None
  train_seconds = res.train_seconds + (res.earlier_seconds or 0.0)
  steps_done = (res.steps_run - (0 if known else res.resumed_from_step)) * num_seeds
  steady = train_seconds - res.compile_seconds
  grid_names = [n for n in GRID_SUITES if n in data.suites]
  kept_train = data.train[:MAX_SAVED_TRAIN]
  per = grid_per_suite
  arrays = CellArrays(
      loss_steps=res.loss_steps, loss_history=res.seeds.loss_history, train_images=kept_train,
      train_predictions=np.asarray(metrics.predict(model, res.seeds.params, kept_train)),
      grid_inputs=np.concatenate([data.suites[n][:per] for n in grid_names]),
      grid_predictions=np.concatenate([preds[n][:, :per] for n in grid_names], axis=1),
      per_image=per_image,
      sizes={size: {n: (inputs[n][:per], p[:, :per]) for n, p in by.items()}
             for size, (inputs, by, _) in sizes.items()})
  result = CellResult(
      name=cell.name, config=cell.record, seeds=seeds, data_sources=data.sources,
      seed_stream=cell.seed_stream, steps_run=res.steps_run, resumed_from_step=res.resumed_from_step,
      timing=dict(train_seconds=train_seconds, compile_seconds=res.compile_seconds,
                  seed_steps_per_second=steps_done / max(steady, 1e-9), cpu=host.cpu_model(),
                  **({"earlier_seconds": res.earlier_seconds} if res.resumed_from_step else {})),
      arrays=arrays)
  return result.classify(), res.seeds.params


def _at_test_sizes(model, params, data, sizes) -> dict:
  """ConvNets at other input sizes (Fig 3b, 18): the suites of SIZE_SUITES and the training image(s),
  resized. str(size) -> (inputs, predictions, metrics), each keyed by suite."""
  out = {}
  names = [n for n in SIZE_SUITES if n in data.suites]
  for size in sizes:
    inputs = {n: images.resize(data.suites[n], int(size)) for n in names}
    preds, per_image = metrics.evaluate(model, params, images.resize(data.train, int(size)), inputs)
    out[str(size)] = (inputs, preds, per_image)
  return out
