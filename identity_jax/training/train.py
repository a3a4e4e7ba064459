"""Training many seeds at once: one pure per-seed program, batched over seeds and jit-compiled once.

Static (changing it recompiles): the model, the optimizer, the training images, the fit tolerance,
the batch size. The loss recorded at snapshots is over all training images (the first
SNAPSHOT_IMAGES with minibatches).
Batched over seeds: the per-seed PRNG key, hence parameters and optimizer state.

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
import hashlib
import logging
import pathlib
import time
from typing import Any, Callable, NamedTuple

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax.sharding import Mesh, NamedSharding
from jax.sharding import PartitionSpec as P

from identity_jax.errors import ConfigError, is_count

# A seed's status (results.py): training decides fitted / not_fitted / diverged; evaluation turns
# not_fitted into dead when the output does not depend on the input (evaluate.py).
from identity_jax.measures.regime import DIVERGED, FITTED, NOT_FITTED
from identity_jax.training import multihost, optim

SEEDS = "seeds"  # name of the mesh axis
SNAPSHOT_IMAGES = 256


class TrainState(NamedTuple):
  params: Any
  opt_state: Any
  step: jax.Array          # int32: updates applied so far
  fitted_at: jax.Array     # first step whose loss was below the tolerance, -1 if none yet
  diverged_at: jax.Array   # first step whose loss was not finite, -1 if none
  below_since: jax.Array   # start of the current run of steps below the tolerance, -1 if above now
  decay_at: jax.Array      # paper schedule: the step the seed first fitted stably, -1 if not yet


def stream_id(stream: str) -> int:
  """A stable 31-bit number for a name (Python's hash() is salted per process)."""
  return int.from_bytes(hashlib.sha256(stream.encode()).digest()[:4], "little") & 0x7FFFFFFF


def seed_keys(base_seed: int, seeds, stream: str = "") -> jax.Array:
  """Key of seed i is fold_in(base, i), so a seed's run does not depend on how many run. base is
  PRNGKey(base_seed), folded with the id of `stream` when one is given: experiments pass
  'study/cell', so no two cells start from the same initialization (flax derives each layer's key
  from its name, so without it seed i of a 5- and a 20-layer net would share their lower layers)."""
  base = jax.random.key(base_seed)
  if stream:
    base = jax.random.fold_in(base, stream_id(stream))
  return jax.vmap(lambda i: jax.random.fold_in(base, i))(jnp.asarray(seeds, jnp.uint32))


@dataclasses.dataclass(frozen=True)
class Trainer:
  """Per-seed pure functions; `batched()` gives their compiled versions over a seed axis."""
  model: nn.Module
  tx: optax.GradientTransformation
  x_train: jax.Array  # (k, H, W)
  fit_tolerance: float
  batch_size: int | None = None  # images per step when < k (the many-images study); None: all k
  paper_schedule_steps: int = 0  # > 0: the per-seed 'paper' schedule over this budget (optim.py)

  def loss(self, params, x=None) -> jax.Array:
    """MSE on x; by default on the training images (with minibatches: the first SNAPSHOT_IMAGES,
    which bounds the memory and time of the snapshots when training on thousands of images)."""
    if x is None:
      x = self.x_train if self.batch_size is None else self.x_train[:SNAPSHOT_IMAGES]
    return jnp.mean((self.model.apply(params, x) - x) ** 2)

  def batch(self, step) -> jax.Array:
    """The step's training images: all k, or batch_size drawn with replacement from a stream that
    depends on the step alone (so every seed sees the same batches, and a resumed run too)."""
    k = self.x_train.shape[0]
    if self.batch_size is None or self.batch_size >= k:
      return self.x_train
    key = jax.random.fold_in(jax.random.key(0x1D), step)
    return self.x_train[jax.random.randint(key, (self.batch_size,), 0, k)]

  def init_params(self, key):
    return self.model.init(key, self.x_train[:1])  # parameters do not depend on k

  def init(self, key) -> TrainState:
    params = self.init_params(key)
    minus_one = jnp.array(-1, jnp.int32)
    return TrainState(params, self.tx.init(params), jnp.array(0, jnp.int32), minus_one, minus_one,
                      minus_one, minus_one)

  def step(self, state: TrainState) -> TrainState:
    loss, grads = jax.value_and_grad(self.loss)(state.params, self.batch(state.step))
    updates, opt_state = self.tx.update(grads, state.opt_state, state.params)
    first = lambda seen, hit: jnp.where((seen < 0) & hit, state.step, seen)
    below = loss < self.fit_tolerance
    below_since = jnp.where(below, first(state.below_since, below), -1)
    decay_at = first(state.decay_at, optim.stably_fitted(state.step, below_since))
    if self.paper_schedule_steps:
      scale = optim.update_scale(state.step, decay_at, self.paper_schedule_steps)
      updates = jax.tree.map(lambda u: u * scale.astype(u.dtype), updates)
    params = optax.apply_updates(state.params, updates)
    return TrainState(params, opt_state, state.step + 1, first(state.fitted_at, below),
                      first(state.diverged_at, ~jnp.isfinite(loss)), below_since, decay_at)

  def finished(self, counters: dict, loss) -> np.ndarray:
    """Per seed (host side; counters: step, fitted_at, diverged_at, decay_at as numpy): nothing
    more to learn. Diverged; or, under the paper schedule, past the end of its own schedule;
    otherwise below the fit tolerance now."""
    done = counters["diverged_at"] >= 0
    if self.paper_schedule_steps:
      end = optim.paper_end(counters["decay_at"], self.paper_schedule_steps)
      return done | (counters["step"] >= np.asarray(end))
    return done | (np.asarray(loss) < self.fit_tolerance)

  def finished_by(self, counters: dict, num_steps: int) -> int:
    """Host side: the step by which every seed will have finished (num_steps where unknown). Under the
    paper schedule a seed's end is known once it has fitted stably (a seed not yet fitted gets the
    capped end, the latest possible); diverged seeds are finished already."""
    if not self.paper_schedule_steps:
      return num_steps
    end = np.asarray(optim.paper_end(counters["decay_at"], self.paper_schedule_steps))
    live = counters["diverged_at"] < 0
    return int(end[live].max()) if live.any() else int(counters["step"].max())

  def run(self, state: TrainState, num_steps: jax.Array) -> TrainState:
    return jax.lax.fori_loop(0, num_steps, lambda _, s: self.step(s), state)

  def _run_in_place(self, state: TrainState, num_steps: jax.Array) -> TrainState:
    """Seeds one after another, each written back into the stacked (donated) state in place. lax.map
    stacks the results into a new buffer instead; for the FCN 3x2048 (92 MB of state per seed) its
    copies cost ~65 ms per seed and call, 4x this loop's (benchmarks/RESULTS.md)."""
    def one_seed(i, stacked):
      s = jax.tree.map(lambda a: jax.lax.dynamic_index_in_dim(a, i, keepdims=False), stacked)
      s = self.run(s, num_steps)
      return jax.tree.map(lambda a, b: jax.lax.dynamic_update_index_in_dim(a, b, i, 0), stacked, s)
    return jax.lax.fori_loop(0, state.step.shape[0], one_seed, state)

  def batched(self, seeds_per_vmap: int | str = "all", mesh: Mesh | None = None) -> "BatchedTrainer":
    """Compiled functions over a leading seed axis (seeds_per_vmap: see resolve_seeds_per_vmap)."""
    if seeds_per_vmap == "all":
      run = jax.vmap(self.run, in_axes=(0, None))
      loss = jax.vmap(self.loss)
    elif seeds_per_vmap == 1:  # the loss too, so that a seed's numbers never depend on its neighbours
      run = self._run_in_place
      loss = lambda params: jax.lax.map(self.loss, params)
    else:
      run = lambda state, n: jax.lax.map(lambda s: self.run(s, n), state, batch_size=seeds_per_vmap)
      loss = lambda params: jax.lax.map(self.loss, params, batch_size=seeds_per_vmap)
    init = jax.jit(jax.vmap(self.init))
    if mesh is not None:
      seeds = P(SEEDS)
      run = jax.shard_map(run, mesh=mesh, in_specs=(seeds, P()), out_specs=seeds)
      loss = jax.shard_map(loss, mesh=mesh, in_specs=seeds, out_specs=seeds)
      # Initialized whole, then placed: jit with sharded outputs gave silently wrong ConvNet
      # gradients on jax 0.10.2 (tests/sharding_check.py holds the equality check).
      unplaced = init
      init = lambda keys: multihost.place(unplaced(keys), NamedSharding(mesh, seeds))
    return BatchedTrainer(
        init=init,
        init_params=jax.jit(jax.vmap(self.init_params)),
        run=jax.jit(run, donate_argnums=0),
        loss=jax.jit(loss))


class BatchedTrainer(NamedTuple):
  init: Callable         # keys -> state, placed on the mesh when there is one
  init_params: Callable
  run: Callable
  loss: Callable


@dataclasses.dataclass(frozen=True)
class RunOptions:
  """How a run uses the machine; none of it changes a seed's result beyond float rounding."""
  seeds_per_vmap: int | str = "auto"  # "auto": 1 on CPU, "all" elsewhere; k: groups of k
  seed_chunk: int | None = None   # None: all seeds in one run; k: consecutive runs of k seeds
  shard: bool | None = None       # None: shard the seeds over the devices when there are several
  stop_when_fitted: bool = False  # stop once every seed finished (Trainer.finished, finished_by)
  checkpoint_dir: str | None = None
  checkpoint_minutes: float = 10.0  # save after a chunk when this long has passed since the start
  #                                   or the last save (0: after every chunk); short runs never save


@dataclasses.dataclass
class TrainResult:
  """Per-seed outcome. Arrays have a leading seed axis; parameters stay on device."""
  init_params: Any            # recomputed from the keys (init is pure), not held during training
  params: Any
  loss_steps: np.ndarray      # (snapshots + 1,) step of each loss snapshot, 0 first
  loss_history: np.ndarray    # (seeds, snapshots + 1)
  final_loss: np.ndarray      # (seeds,)
  fitted_at: np.ndarray       # (seeds,) -1 if never below tolerance
  diverged_at: np.ndarray     # (seeds,) -1 if finite throughout
  status: list                # per seed: fitted / not_fitted / diverged
  steps_run: int              # < num_steps when stopped early
  train_seconds: float        # wall time, first compile included
  compile_seconds: float
  resumed_from_step: int = 0  # the checkpoint a run resumed from, 0 if none


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
  and shared by the seed chunks of a run."""

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


class _Checkpoints:
  """The run's state and loss history saved into `directory` (orbax); none when directory is None.
  Every process saves (a collective), so all take the same decision to save: process 0's. A
  checkpoint that cannot be restored (a file cut short or missing) is set aside (checkpoint/seeds_i
  -> checkpoint.damaged-<time>/seeds_i), said so, and those seeds start from scratch: it never
  blocks the cell."""

  def __init__(self, directory, minutes: float):
    self.minutes, self.last = minutes, time.perf_counter()
    self.manager = None
    if directory is not None:
      import orbax.checkpoint as ocp  # lazily: slow to import, and most runs do not save
      self.ocp, self.directory = ocp, pathlib.Path(directory).absolute()
      try:
        self.manager = self._open()
      except Exception as e:  # noqa: BLE001 (orbax raises many kinds on damaged metadata)
        self._set_aside(e)
        self.manager = self._open()

  def _open(self):
    return self.ocp.CheckpointManager(
        self.directory,
        options=self.ocp.CheckpointManagerOptions(max_to_keep=1, enable_async_checkpointing=False))

  def _set_aside(self, error: Exception) -> None:
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    # Beside the checkpoint directory, which is deleted once the cell's results are written.
    parent = self.directory.parent
    aside = parent.with_name(f"{parent.name}.damaged-{stamp}") / self.directory.name
    if multihost.is_writer() and self.directory.exists():
      aside.parent.mkdir(parents=True, exist_ok=True)
      self.directory.rename(aside)
    reason = " ".join(f"{type(error).__name__}: {error}".split())[:300]
    logging.warning("checkpoint %s could not be restored (%s); set aside as %s, and these seeds "
                    "train from the start", self.directory, reason, aside)

  def restore(self, state, history):
    """(state, history, chunk to start from): the latest save, or what was given and chunk 0."""
    if self.manager is None:
      return state, history, 0
    error = None
    try:
      start = self.manager.latest_step()
      if start is not None:
        restored = self.manager.restore(start, args=self.ocp.args.StandardRestore(
            {"state": state, "history": history}))
    except Exception as e:  # noqa: BLE001 (a damaged checkpoint: any error orbax raises)
      error = e
    if multihost.anyone(error is not None):  # every process starts over if any part is damaged
      self.manager.close()
      self._set_aside(error or RuntimeError("another process could not restore its part"))
      self.manager = self._open()
      return state, history, 0
    if start is None:
      return state, history, 0
    return restored["state"], np.asarray(restored["history"]), start

  def maybe_save(self, chunk: int, state, history) -> None:
    if self.manager is None:
      return
    if multihost.agree(bool(time.perf_counter() - self.last >= 60 * self.minutes)):
      self.manager.save(chunk, args=self.ocp.args.StandardSave({"state": state, "history": history}))
      self.last = time.perf_counter()

  def close(self) -> None:
    if self.manager is not None:
      self.manager.wait_until_finished()
      self.manager.close()


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
  checkpoints = _Checkpoints(checkpoint_dir, options.checkpoint_minutes)
  state, history, start = checkpoints.restore(state, history)
  resumed_from = int(steps[start]) if start else 0
  counters = lambda: multihost.to_host(dict(step=state.step, fitted_at=state.fitted_at,
                                            diverged_at=state.diverged_at, decay_at=state.decay_at))

  def all_done(chunk, now):  # every real seed finished (Trainer.finished)
    return bool(np.all(trainer.finished(now, history[:, chunk])[:n]))

  compile_seconds, i = 0.0, start - 1  # i: the last chunk run; its end is where the run stands
  # Under the paper schedule a seed's parameters freeze at its schedule's end, so a run that stops
  # when fitted can stop at the step the last one ends rather than at the end of a chunk.
  early = options.stop_when_fitted and bool(trainer.paper_schedule_steps)
  finished_by = lambda now: trainer.finished_by({k: v[:n] for k, v in now.items()}, num_steps)
  now = counters()
  stopped_before = options.stop_when_fitted and start > 0 and all_done(start, now)
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
    # Stopped short of b, every seed is frozen from `at` on: its loss is the loss at b.
    history[:, i + 1] = multihost.to_host(fns.loss(state.params))
    stop = options.stop_when_fitted and all_done(i + 1, now)
    # Save before anything else can fail, so a run killed from here on resumes after this chunk.
    checkpoints.maybe_save(i + 1, state, history)
    if progress is not None:
      progress(dict(step=int(at), num_steps=num_steps, chunk_steps=int(at - a),
                    chunk_seconds=time.perf_counter() - tc, loss=history[:n, i + 1],
                    fitted=int(np.sum(now["fitted_at"][:n] >= 0)),
                    diverged=int(np.sum(now["diverged_at"][:n] >= 0))))
    if stop:
      break
  checkpoints.close()
  return _result(trainer, fns, keys, n, state, history, steps, i, counters(),
                 time.perf_counter() - t0, compile_seconds, resumed_from)


def _result(trainer, fns, keys, n, state, history, steps, last_chunk, now, seconds,
            compile_seconds, resumed_from) -> "TrainResult":
  """The TrainResult of the first n (real) seeds, the run standing at the end of last_chunk."""
  cut = lambda tree: jax.tree.map(lambda a: a[:n], tree)
  final_loss = history[:n, last_chunk + 1]
  diverged_at = now["diverged_at"][:n]
  # Several processes: the parameters come to every host whole (numpy), for evaluation there.
  params = multihost.to_host(state.params) if multihost.several() else state.params
  return TrainResult(
      init_params=cut(fns.init_params(keys)), params=cut(params),
      loss_steps=steps[:last_chunk + 2], loss_history=history[:n, :last_chunk + 2],
      final_loss=final_loss, fitted_at=now["fitted_at"][:n], diverged_at=diverged_at,
      status=seed_status(final_loss, diverged_at, trainer.fit_tolerance),
      steps_run=int(now["step"][:n].max()), train_seconds=seconds,
      compile_seconds=compile_seconds, resumed_from_step=resumed_from)


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
  parts, programs, lo = [], _Programs(trainer), 0
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
  cat = lambda *xs: np.concatenate(xs)
  return TrainResult(
      init_params=jax.tree.map(cat, *[r.init_params for r in parts]),
      params=jax.tree.map(lambda *xs: jnp.concatenate(xs), *[r.params for r in parts]),
      loss_steps=longest.loss_steps, loss_history=cat(*[pad(r.loss_history) for r in parts]),
      final_loss=cat(*[r.final_loss for r in parts]), fitted_at=cat(*[r.fitted_at for r in parts]),
      diverged_at=cat(*[r.diverged_at for r in parts]), status=sum([r.status for r in parts], []),
      steps_run=max(r.steps_run for r in parts),
      train_seconds=sum(r.train_seconds for r in parts),
      compile_seconds=sum(r.compile_seconds for r in parts),
      resumed_from_step=max(r.resumed_from_step for r in parts))
