"""The per-seed pure program: a seed's training state, one step, a run of steps, and their versions
compiled over a leading seed axis (vmapped, in sequence, or in groups; sharded over devices).

Static (changing it recompiles): the model, the optimizer, the training images, the fit tolerance,
the batch size. Batched over seeds: the per-seed PRNG key, hence parameters and optimizer state.
The host-side loop that runs it in chunks is loop.py.
"""

import dataclasses
import hashlib
from typing import Any, Callable, NamedTuple

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax.sharding import Mesh, NamedSharding
from jax.sharding import PartitionSpec as P

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

  def counters(self) -> dict:
    """Every field but the parameters and optimizer state: what the host loop reads per chunk."""
    return {k: v for k, v in self._asdict().items() if k not in ("params", "opt_state")}


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


@dataclasses.dataclass(frozen=True, eq=False)  # hashed by identity: loop.py keeps its compiled programs
class Trainer:
  """Per-seed pure functions; `batched()` gives their compiled versions over a seed axis."""
  model: nn.Module
  tx: optax.GradientTransformation
  x_train: jax.Array  # (k, H, W)
  fit_tolerance: float
  batch_size: int | None = None  # images per step when < k (the many-images study); None: all k
  paper_schedule_steps: int = 0  # > 0: the per-seed 'paper' schedule over this budget (optim.py)

  def snapshot_images(self) -> jax.Array:
    """The training images, or with minibatches the first SNAPSHOT_IMAGES (which bounds the memory
    and time of the snapshots when training on thousands of images)."""
    return self.x_train if self.batch_size is None else self.x_train[:SNAPSHOT_IMAGES]

  def loss(self, params, x=None) -> jax.Array:
    """MSE on x; by default on snapshot_images()."""
    if x is None:
      x = self.snapshot_images()
    return jnp.mean((self.model.apply(params, x) - x) ** 2)

  def collapsed(self, params) -> jax.Array:
    """Whether the net gives its snapshot images and their negatives the very same output, bit for
    bit (stricter than evaluate's dead seed, an output spread below dead_threshold over the test
    inputs): nothing of the input reaches the output through a layer all but off for every input.
    The negatives make one training image decidable too. Not an exactly zero input gradient: a dead
    16-layer ConvNet's was 1e-12, below float32's resolution of its output, and its loss stood still
    to the bit for 9,600 steps. False when those inputs are all one image (a zero image)."""
    x = self.snapshot_images()
    probes = jnp.concatenate([x, -x])
    out = self.model.apply(params, probes)
    return jnp.any(probes != probes[:1]) & jnp.all(out == out[:1])

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
      per_seed = jax.vmap
    elif seeds_per_vmap == 1:  # the loss too, so that a seed's numbers never depend on its neighbours
      run = self._run_in_place
      per_seed = lambda f: lambda params: jax.lax.map(f, params)
    else:
      run = lambda state, n: jax.lax.map(lambda s: self.run(s, n), state, batch_size=seeds_per_vmap)
      per_seed = lambda f: lambda params: jax.lax.map(f, params, batch_size=seeds_per_vmap)
    loss, collapsed = per_seed(self.loss), per_seed(self.collapsed)
    unplaced = init = jax.jit(jax.vmap(self.init))
    if mesh is not None:
      seeds = P(SEEDS)
      run = jax.shard_map(run, mesh=mesh, in_specs=(seeds, P()), out_specs=seeds)
      loss, collapsed = (jax.shard_map(f, mesh=mesh, in_specs=seeds, out_specs=seeds)
                         for f in (loss, collapsed))
      # Initialized whole, then placed: jit with sharded outputs gave silently wrong ConvNet
      # gradients on jax 0.10.2 (tests/sharding_check.py holds the equality check).
      init = lambda keys: multihost.place(unplaced(keys), NamedSharding(mesh, seeds))
    return BatchedTrainer(
        init=init,
        # The very program training starts from (compiled once): whole, on every host.
        init_params=lambda keys: unplaced(keys).params,
        run=jax.jit(run, donate_argnums=0),
        loss=jax.jit(loss),
        collapsed=jax.jit(collapsed))


class BatchedTrainer(NamedTuple):
  init: Callable         # keys -> state, placed on the mesh when there is one
  init_params: Callable
  run: Callable
  loss: Callable
  collapsed: Callable


