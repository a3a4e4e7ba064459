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
from jax.sharding import Mesh, NamedSharding, PartitionSpec as P

from identity_jax import multihost, optim
from identity_jax.errors import ConfigError

# A seed's status. Training decides the first three; evaluation turns not_fitted into dead when the
# output does not depend on the input (experiment.py). Only fitted seeds get a regime.
FITTED, NOT_FITTED, DIVERGED, DEAD = "fitted", "not_fitted", "diverged", "dead"
STATUSES = (FITTED, NOT_FITTED, DIVERGED, DEAD)
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
  batch_size: int = 0  # images per step when < k (the many-images study); 0: all k every step
  paper_schedule_steps: int = 0  # > 0: the per-seed 'paper' schedule over this budget (optim.py)

  def loss(self, params, x=None) -> jax.Array:
    """MSE on x; by default on the training images (with minibatches: the first SNAPSHOT_IMAGES,
    which bounds the memory and time of the snapshots when training on thousands of images)."""
    if x is None:
      x = self.x_train[:SNAPSHOT_IMAGES] if self.batch_size else self.x_train
    return jnp.mean((self.model.apply(params, x) - x) ** 2)

  def batch(self, step) -> jax.Array:
    """The step's training images: all k, or batch_size drawn with replacement from a stream that
    depends on the step alone (so every seed sees the same batches, and a resumed run too)."""
    k = self.x_train.shape[0]
    if not 0 < self.batch_size < k:
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

  def batched(self, seeds_per_vmap: int = 0, mesh: Mesh | None = None) -> "BatchedTrainer":
    """Compiled functions over a leading seed axis (seeds_per_vmap: see resolve_seeds_per_vmap)."""
    if seeds_per_vmap == 0:
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
  seeds_per_vmap: int = -1        # -1 auto (1 on CPU, all elsewhere); 0 all; k groups of k
  seed_chunk: int = 0             # 0: all seeds in one run; k: consecutive runs of k seeds
  shard: bool | None = None       # None: shard the seeds over the devices when there are several
  stop_when_fitted: bool = False  # stop at the first chunk end where every seed fitted or diverged
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


def resolve_seeds_per_vmap(setting: int, num_seeds: int) -> int:
  """setting -1: auto (1 on CPU, else all); 0, or k > 1 with k >= num_seeds: all seeds in one vmap
  (returns 0); 1: seeds one after another; k: groups of k seeds vmapped, groups in sequence."""
  if isinstance(setting, bool) or not isinstance(setting, int) or setting < -1:
    raise ConfigError(f"train.seeds_per_vmap = {setting!r} is not -1 (auto), 0 (all) or a count",
                      "use -1 (auto), 0 (all seeds in one vmap) or a positive count")
  if setting == -1:
    setting = 1 if jax.default_backend() == "cpu" else 0
  return 0 if setting == 0 or (setting > 1 and setting >= num_seeds) else setting


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


def _checkpoints(directory):
  import orbax.checkpoint as ocp  # imported lazily: it is slow to import and most runs do not save
  return ocp, ocp.CheckpointManager(
      pathlib.Path(directory).absolute(),
      options=ocp.CheckpointManagerOptions(max_to_keep=1, enable_async_checkpointing=False))


def _train_seeds(trainer, keys, num_steps, num_snapshots, progress, options, checkpoint_dir,
                 compiled: dict):
  """One run over `keys` (see train). `compiled` caches programs across seed chunks of one size."""
  t0 = time.perf_counter()
  n = len(keys)
  mesh = seed_mesh(options.shard, n)
  n_dev = 1 if mesh is None else mesh.size
  padded = -(-n // n_dev) * n_dev
  if padded > n:  # extra seeds only fill the devices; they are dropped from every result
    logging.warning("%d seeds do not divide the %d devices: padded to %d, the extra %d trained and "
                    "dropped; fix: use a multiple of %d seeds to waste no device time",
                    n, n_dev, padded, padded - n, n_dev)
    keys = jnp.concatenate([keys, jax.vmap(lambda i: jax.random.fold_in(keys[0], i))(
        jnp.arange(padded - n, dtype=jnp.uint32) + 1_000_003)])
  strategy = resolve_seeds_per_vmap(options.seeds_per_vmap, padded // n_dev)
  if (strategy, n_dev) not in compiled:
    compiled[strategy, n_dev] = trainer.batched(strategy, mesh)
  fns = compiled[strategy, n_dev]
  state = fns.init(keys)
  steps = snapshot_steps(num_steps, num_snapshots)
  history = np.full((padded, len(steps)), np.nan, np.float32)
  history[:, 0] = multihost.to_host(fns.loss(state.params))
  start, resumed_from = 0, 0
  ocp = manager = None
  if checkpoint_dir is not None:
    ocp, manager = _checkpoints(checkpoint_dir)
    if manager.latest_step() is not None:
      start = manager.latest_step()
      restored = manager.restore(start, args=ocp.args.StandardRestore(
          {"state": state, "history": history}))
      state, history = restored["state"], np.asarray(restored["history"])
      resumed_from = int(steps[start])
  counters = lambda: multihost.to_host(dict(step=state.step, fitted_at=state.fitted_at,
                                            diverged_at=state.diverged_at, decay_at=state.decay_at))

  def all_done(chunk, now):  # every real seed finished (Trainer.finished)
    return bool(np.all(trainer.finished(now, history[:, chunk])[:n]))

  last_save = time.perf_counter()
  compile_seconds, i = 0.0, start - 1  # i: the last chunk run; its end is where the run stands
  now = counters()
  stopped_before = options.stop_when_fitted and start > 0 and all_done(start, now)
  for i in range(start, start if stopped_before else len(steps) - 1):
    a, b = steps[i], steps[i + 1]
    tc = time.perf_counter()
    if i == start:  # compile explicitly (once per seed count) to report its time apart
      if (strategy, n_dev, padded) not in compiled:
        compiled[strategy, n_dev, padded] = fns.run.lower(state, jnp.int32(b - a)).compile()
      run = compiled[strategy, n_dev, padded]
      compile_seconds = time.perf_counter() - tc
      tc = time.perf_counter()
    state = run(state, jnp.int32(b - a))
    history[:, i + 1] = multihost.to_host(fns.loss(state.params))
    now = counters()
    stop = options.stop_when_fitted and all_done(i + 1, now)
    # Save before anything else can fail, so a run killed from here on resumes after this chunk.
    # Every process saves (a collective), so all must take the same decision: process 0's.
    if manager is not None and multihost.agree(
        bool(time.perf_counter() - last_save >= 60 * options.checkpoint_minutes)):
      manager.save(i + 1, args=ocp.args.StandardSave({"state": state, "history": history}))
      last_save = time.perf_counter()
    if progress is not None:
      progress(dict(step=int(b), num_steps=num_steps, chunk_steps=int(b - a),
                    chunk_seconds=time.perf_counter() - tc, loss=history[:n, i + 1],
                    fitted=int(np.sum(now["fitted_at"][:n] >= 0)),
                    diverged=int(np.sum(now["diverged_at"][:n] >= 0))))
    if stop:
      break
  if manager is not None:
    manager.wait_until_finished()
    manager.close()
  kept = slice(0, i + 2)
  cut = lambda tree: jax.tree.map(lambda a: a[:n], tree)
  final_loss = history[:n, i + 1]
  now = counters()
  diverged_at = now["diverged_at"][:n]
  # Several processes: the parameters come to every host whole (numpy), for evaluation there.
  params = multihost.to_host(state.params) if multihost.several() else state.params
  return TrainResult(
      init_params=cut(fns.init_params(keys)), params=cut(params), loss_steps=steps[kept],
      loss_history=history[:n, kept], final_loss=final_loss,
      fitted_at=now["fitted_at"][:n], diverged_at=diverged_at,
      status=seed_status(final_loss, diverged_at, trainer.fit_tolerance), steps_run=int(steps[i + 1]),
      train_seconds=time.perf_counter() - t0, compile_seconds=compile_seconds,
      resumed_from_step=resumed_from)


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
  if isinstance(size, bool) or not isinstance(size, int) or size < 0:
    raise ConfigError(f"train.seed_chunk = {options.seed_chunk!r} is not a count",
                      "use 0 (all seeds at once) or a positive number of seeds per run")
  parts, compiled, lo = [], {}, 0
  while lo < len(keys):
    directory = None if options.checkpoint_dir is None else \
        pathlib.Path(options.checkpoint_dir) / f"seeds_{lo}"
    try:
      parts.append(_train_seeds(trainer, keys[lo:lo + size], num_steps, num_snapshots, progress,
                                options, directory, compiled))
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
