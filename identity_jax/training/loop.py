"""Training many seeds at once, host side: the compiled per-seed program (program.py) run in chunks.

The loss recorded at snapshots is over all training images (the first program.SNAPSHOT_IMAGES with
minibatches).
The run is split into `num_snapshots` chunks; each chunk is one call of the same compiled program
(its step count is a traced argument), and only the loss at chunk boundaries is kept, so memory does
not grow with the number of steps. Between chunks the run can stop (every seed fitted or diverged),
save a checkpoint, and report progress. A run resumed from a checkpoint reruns the same compiled
program and ends bit-identical to an uninterrupted one. How the seeds share the machine (RunOptions)
changes a seed's result by float rounding at most (~1e-7 relative: another seed count is another
compiled program, which XLA may fuse and round differently):
  seeds_per_vmap  groups of that many seeds are vmapped; groups run one after another inside the same
                  program (jax.lax.map). On a 2-core CPU, XLA's batched matmul is slower per seed than
                  the plain one (benchmarks/RESULTS.md), so auto means sequential there, all elsewhere.
  seed_chunk      seeds trained in separate consecutive runs of this many, to bound memory; a run
                  that fails for lack of memory is retried in halves automatically.
  shard           the seed axis split over the devices with shard_map (padded to a multiple of the
                  device count; auto: when there are several, over no more devices than seeds).
                  Parameters are initialized outside the shard_map and passed in sharded:
                  jit+NamedSharding, and initializing inside the body, were silently wrong for
                  ConvNets on jax 0.10.2 (tests/sharding_check.py checks the equality). Over
                  several processes the seed axis spans every host's devices (multihost.py).
"""

import dataclasses
import logging
import pathlib
import time
import weakref
from typing import Any, Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh

from identity_jax.errors import ConfigError, is_count

# A seed's status (measures/regime.py): training decides fitted / not_fitted / diverged; evaluation
# turns not_fitted into dead when the output does not depend on the input (study/evaluate.py).
from identity_jax.measures.regime import DIVERGED, FITTED, NOT_FITTED
from identity_jax.training import multihost
from identity_jax.training.checkpoints import Checkpoints
from identity_jax.training.program import SEEDS, BatchedTrainer, Trainer

# A seed froze when its output does not depend on its input (Trainer.collapsed: one output for its
# training images and their negatives), its loss is above the fit tolerance, and the loss has not
# moved by more than SETTLE_RTOL over SETTLE_STEPS: nothing reaches below the dead layer, the layers
# above it have settled, and any momentum from before has long decayed (0.9**1000), so it can never
# fit. stop_when_fitted stops when every seed finished or froze, so that one dead seed does not run
# out a budget of 2,000,000 steps (the paper preset) or a 20,000-step CPU cell for nothing. A seed
# whose loss still creeps is not frozen and runs on: multi_image_deep's dead 20-layer ConvNets on
# 2-3 images (their loss moved until step 14,000-18,000, some to the end), its 9-hidden-layer FCN
# on 2. A flat output can fit one image (an FCN's last layer): its loss falls to the tolerance, so
# it never freezes. Until 2026-12-06 the rule compared the training images alone, so it needed two
# or more; one-image cells trained before then ran their dead seeds to the end of the budget.
SETTLE_STEPS, SETTLE_RTOL = 1000, 1e-5


@dataclasses.dataclass(frozen=True)
class RunOptions:
  """How a run uses the machine; none of it changes a seed's result beyond float rounding."""
  seeds_per_vmap: int | str = "auto"  # "auto": 1 on CPU, "all" elsewhere; k: groups of k
  seed_chunk: int | None = None   # None: all seeds in one run; k: consecutive runs of k seeds
  shard: bool | None = None       # None: shard the seeds over the devices when there are several
  stop_when_fitted: bool = False  # stop once every seed finished (Trainer.finished, finished_by)
  #                                 or froze (SETTLE_STEPS)
  checkpoint_dir: str | None = None
  checkpoint_minutes: float = 10.0  # save after a chunk when this long has passed since the start
  #                                   or the last save (0: after every chunk); short runs never save


class SeedRecords(NamedTuple):
  """What training returns about each seed, every leaf with a leading seed axis: a pytree, so runs
  over parts of the seeds are cut and joined by tree operations. A quantity recorded in TrainState
  (program.py) reaches here by one more field and the line in `_result` that takes it."""
  init_params: Any            # recomputed from the keys (init is pure), not held during training
  params: Any                 # on device
  loss_history: np.ndarray    # (seeds, snapshots + 1)
  final_loss: np.ndarray      # (seeds,)
  fitted_at: np.ndarray       # (seeds,) -1 if never below tolerance
  diverged_at: np.ndarray     # (seeds,) -1 if finite throughout


@dataclasses.dataclass
class TrainResult:
  """A run's outcome: per seed (`seeds`), and of the run as a whole."""
  seeds: SeedRecords
  status: list                # per seed: fitted / not_fitted / diverged
  loss_steps: np.ndarray      # (snapshots + 1,) step of each loss snapshot, 0 first
  steps_run: int              # < num_steps when stopped early
  train_seconds: float        # wall time of this process, first compile included
  compile_seconds: float
  resumed_from_step: int = 0  # the checkpoint a run resumed from, 0 if none
  earlier_seconds: float | None = 0.0  # training time before that checkpoint; None: not recorded


def resolve_seeds_per_vmap(setting: int | str, num_seeds: int) -> int | str:
  """"auto": 1 on CPU, else "all"; "all", or k > 1 with k >= num_seeds: all seeds in one vmap
  (returns "all"); 1: seeds one after another; k: groups of k seeds vmapped, groups in sequence."""
  if setting not in ("auto", "all") and not (is_count(setting) and setting >= 1):
    raise ConfigError(f"train.seeds_per_vmap = {setting!r} is not 'auto', 'all' or a count",
                      "use 'auto', 'all' (all seeds in one vmap) or a positive count")
  if setting == "auto":
    setting = 1 if jax.default_backend() == "cpu" else "all"
  return "all" if setting == "all" or (setting > 1 and setting >= num_seeds) else setting


def seed_mesh(shard: bool | None, num_seeds: int) -> Mesh | None:
  """A 1-D mesh for the seed axis, or None when not sharding. shard=True: every device (seeds padded
  to their multiple); None: no more devices than seeds, so that one seed on a CPU split into a device
  per core (host.py) still runs alone on all cores instead of beside a padding seed."""
  devices = jax.devices()
  if shard is None and not multihost.several():  # every process must hold a part of the mesh
    devices = devices[:max(1, num_seeds)]
  if shard is False or len(devices) == 1:
    return None
  return Mesh(np.array(devices), (SEEDS,))


def snapshot_steps(num_steps: int, num_snapshots: int) -> np.ndarray:
  n = max(1, min(num_snapshots, num_steps))
  return np.unique(np.round(np.linspace(0, num_steps, n + 1)).astype(np.int64))


def seed_status(final_loss, diverged_at, fit_tolerance) -> list:
  return [DIVERGED if d >= 0 or not np.isfinite(l) else FITTED if l < fit_tolerance else NOT_FITTED
          for l, d in zip(np.asarray(final_loss), np.asarray(diverged_at))]


def _pad_keys(keys, n_dev: int):
  """Keys padded to a multiple of the device count; the extra seeds only fill the devices and are
  dropped from every result."""
  n = len(keys)
  padded = -(-n // n_dev) * n_dev
  if padded == n:
    return keys
  logging.warning("%d seeds do not divide the %d devices: padded to %d, the extra %d trained and "
                  "dropped; fix: use a multiple of %d seeds to waste no device time",
                  n, n_dev, padded, padded - n, n_dev)
  return jnp.concatenate([keys, jax.vmap(lambda i: jax.random.fold_in(keys[0], i))(
      jnp.arange(padded - n, dtype=jnp.uint32) + 1_000_003)])


class _Programs:
  """The compiled programs of one trainer, built once per (seeds per vmap, devices, seed count)
  and shared by the seed chunks of a run and by later runs of the same trainer (a resume in the
  same process, an equivalence test's reference run): `of(trainer)`."""

  _of = weakref.WeakKeyDictionary()  # Trainer -> _Programs, dropped with the trainer

  @classmethod
  def of(cls, trainer) -> "_Programs":
    if trainer not in cls._of:
      cls._of[trainer] = cls(trainer)
    return cls._of[trainer]

  def __init__(self, trainer):
    self.trainer, self._batched, self._runs = trainer, {}, {}

  def batched(self, strategy, mesh) -> "BatchedTrainer":
    key = (strategy, 1 if mesh is None else mesh.size)
    if key not in self._batched:
      self._batched[key] = self.trainer.batched(strategy, mesh)
    return self._batched[key]

  def run(self, fns, strategy, state, num_steps):
    """fns.run compiled for this state's shape (compiled explicitly, to time it apart)."""
    key = (strategy, jax.tree.leaves(state)[0].shape[0], fns)
    if key not in self._runs:
      self._runs[key] = fns.run.lower(state, jnp.int32(num_steps)).compile()
    return self._runs[key]


def _train_seeds(trainer, keys, num_steps, num_snapshots, progress, options, checkpoint_dir,
                 programs: _Programs):
  """One run over `keys` (see train): chunks of the compiled run, the loss after each, a checkpoint
  when due, progress, and a stop once every seed has finished (options.stop_when_fitted)."""
  t0 = time.perf_counter()
  n = len(keys)
  mesh = seed_mesh(options.shard, n)
  n_dev = 1 if mesh is None else mesh.size
  keys = _pad_keys(keys, n_dev)
  strategy = resolve_seeds_per_vmap(options.seeds_per_vmap, len(keys) // n_dev)
  fns = programs.batched(strategy, mesh)
  state = fns.init(keys)
  steps = snapshot_steps(num_steps, num_snapshots)
  history = np.full((len(keys), len(steps)), np.nan, np.float32)
  history[:, 0] = multihost.to_host(fns.loss(state.params))
  checkpoints = Checkpoints(checkpoint_dir, options.checkpoint_minutes)
  state, history, start = checkpoints.restore(state, history)
  resumed_from = int(steps[start]) if start else 0
  counters = lambda: multihost.to_host(state.counters())

  no_seed = np.zeros(len(keys), bool)

  def frozen(chunk):  # per seed: collapsed, unfitted, its loss unchanged over SETTLE_STEPS or more
    back = np.flatnonzero(steps[chunk] - steps[:chunk + 1] >= SETTLE_STEPS)
    if not options.stop_when_fitted or not len(back):
      return no_seed
    span = history[:, back[-1]:chunk + 1]
    still = np.all(np.abs(span - span[:, -1:]) <= SETTLE_RTOL * np.abs(span[:, -1:]), axis=1)
    still &= span[:, -1] >= trainer.fit_tolerance
    if not still[:n].any():  # the usual case: no forward pass (nor its compile) needed
      return no_seed
    return still & multihost.to_host(fns.collapsed(state.params))

  def all_done(chunk, now, frozen_now):  # every real seed finished (Trainer.finished) or froze
    return bool(np.all((trainer.finished(now, history[:, chunk]) | frozen_now)[:n]))

  compile_seconds, i = 0.0, start - 1  # i: the last chunk run; its end is where the run stands
  # Under the paper schedule a seed's parameters freeze at its schedule's end, so a run that stops
  # when fitted can stop at the step the last one ends rather than at the end of a chunk.
  early = options.stop_when_fitted and bool(trainer.paper_schedule_steps)
  finished_by = lambda now: trainer.finished_by({k: v[:n] for k, v in now.items()}, num_steps)
  now = counters()
  stopped_before = options.stop_when_fitted and start > 0 and all_done(start, now, frozen(start))
  for i in range(start, start if stopped_before else len(steps) - 1):
    a, b = steps[i], steps[i + 1]
    tc = time.perf_counter()
    if i == start:
      run = programs.run(fns, strategy, state, b - a)
      compile_seconds = time.perf_counter() - tc
      tc = time.perf_counter()
    at = a
    if early:  # in tenths of the chunk, up to the step the last seed's schedule ends
      while at < b and finished_by(now) > at:
        to = min(b, at + max(1, (b - a) // 10), finished_by(now))
        state, at = run(state, jnp.int32(to - at)), to
        now = counters()
    else:
      state, at = run(state, jnp.int32(b - a)), b
      now = counters()
    # Stopped short of b, every seed's schedule has ended by `at`: its loss there is its loss at b.
    history[:, i + 1] = multihost.to_host(fns.loss(state.params))
    frozen_now = frozen(i + 1)
    stop = options.stop_when_fitted and all_done(i + 1, now, frozen_now)
    # Save before anything else can fail, so a run killed from here on resumes after this chunk.
    checkpoints.maybe_save(i + 1, state, history)
    if progress is not None:
      progress(dict(step=int(at), num_steps=num_steps, chunk_steps=int(at - a),
                    chunk_seconds=time.perf_counter() - tc, loss=history[:n, i + 1],
                    fitted=int(np.sum(now["fitted_at"][:n] >= 0)),
                    diverged=int(np.sum(now["diverged_at"][:n] >= 0)),
                    frozen=int(np.sum(frozen_now[:n]))))
    if stop:
      break
  checkpoints.close()
  return _result(trainer, fns, keys, n, state, history, steps, i, counters(),
                 time.perf_counter() - t0, compile_seconds, resumed_from, checkpoints.earlier)


def _result(trainer, fns, keys, n, state, history, steps, last_chunk, now, seconds,
            compile_seconds, resumed_from, earlier_seconds) -> "TrainResult":
  """The TrainResult of the first n (real) seeds, the run standing at the end of last_chunk."""
  # Several processes: the parameters come to every host whole (numpy), for evaluation there.
  params = multihost.to_host(state.params) if multihost.several() else state.params
  seeds = SeedRecords(init_params=fns.init_params(keys), params=params,
                      loss_history=history[:, :last_chunk + 2], final_loss=history[:, last_chunk + 1],
                      fitted_at=now["fitted_at"], diverged_at=now["diverged_at"])
  seeds = jax.tree.map(lambda a: a[:n], seeds)
  return TrainResult(
      seeds=seeds, status=seed_status(seeds.final_loss, seeds.diverged_at, trainer.fit_tolerance),
      loss_steps=steps[:last_chunk + 2], steps_run=int(now["step"][:n].max()),
      train_seconds=seconds, compile_seconds=compile_seconds, resumed_from_step=resumed_from,
      earlier_seconds=earlier_seconds)


def _out_of_memory(e: Exception) -> bool:
  return isinstance(e, MemoryError) or "RESOURCE_EXHAUSTED" in str(e)


def train(trainer: Trainer, keys: jax.Array, num_steps: int, num_snapshots: int,
          progress: Callable[[dict], None] | None = None,
          options: RunOptions = RunOptions()) -> TrainResult:
  """Trains one seed per key for up to `num_steps` steps; `progress` gets a dict after every chunk.

  With options.checkpoint_dir, the run saves there and a rerun resumes from the latest save, ending
  bit-identical to an uninterrupted run.
  """
  size = options.seed_chunk or len(keys)
  if not is_count(size) or size < 1:
    raise ConfigError(f"train.seed_chunk = {options.seed_chunk!r} is not a count",
                      "use None (all seeds at once) or a positive number of seeds per run")
  parts, programs, lo = [], _Programs.of(trainer), 0
  while lo < len(keys):
    directory = None if options.checkpoint_dir is None else \
        pathlib.Path(options.checkpoint_dir) / f"seeds_{lo}"
    try:
      parts.append(_train_seeds(trainer, keys[lo:lo + size], num_steps, num_snapshots, progress,
                                options, directory, programs))
    except Exception as e:  # noqa: BLE001 (only out-of-memory is handled, the rest re-raised)
      if size == 1 or not _out_of_memory(e):
        raise
      size = (min(size, len(keys) - lo) + 1) // 2
      logging.warning("out of memory with these seeds together; retrying %d at a time", size)
      continue
    lo += size
  if len(parts) == 1:
    return parts[0]
  # Chunks may stop early at different steps: align their loss histories on the longest schedule.
  longest = max(parts, key=lambda r: len(r.loss_steps))
  pad = lambda h: np.pad(h, ((0, 0), (0, len(longest.loss_steps) - h.shape[1])),
                         constant_values=np.nan)
  aligned = [r.seeds._replace(loss_history=pad(r.seeds.loss_history)) for r in parts]
  seeds = jax.tree.map(lambda *xs: (jnp if isinstance(xs[0], jax.Array) else np).concatenate(xs),
                       *aligned)
  return TrainResult(
      seeds=seeds, status=sum([r.status for r in parts], []), loss_steps=longest.loss_steps,
      steps_run=max(r.steps_run for r in parts),
      train_seconds=sum(r.train_seconds for r in parts),
      compile_seconds=sum(r.compile_seconds for r in parts),
      resumed_from_step=max(r.resumed_from_step for r in parts),
      earlier_seconds=None if any(r.earlier_seconds is None for r in parts)
      else sum(r.earlier_seconds for r in parts))
