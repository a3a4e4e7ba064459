"""Training many seeds at once: one pure per-seed program, vmapped over seeds and jit-compiled once.

Static (changing it recompiles): the model, the optimizer, the training images, the fit tolerance.
Batched by vmap: the per-seed PRNG key, hence parameters and optimizer state.
How seeds share the machine is one setting, `seeds_per_vmap`: groups of that many seeds are vmapped
together and the groups run one after another inside the same compiled program (jax.lax.map).
Measured on a 2-core CPU (benchmarks/RESULTS.md), XLA:CPU's batched matmul is slower per seed than
the plain one, so one seed at a time is fastest there; on a GPU, all seeds in one vmap.
The run is split into `num_snapshots` chunks; each chunk is one call of the same compiled program
(its step count is a traced argument), and only the loss at chunk boundaries is kept, so memory does
not grow with the number of steps.
"""

import dataclasses
import time
from typing import Any, Callable, NamedTuple

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax

FITTED, NOT_FITTED, DIVERGED = "fitted", "not_fitted", "diverged"


class TrainState(NamedTuple):
  params: Any
  opt_state: Any
  step: jax.Array          # int32: updates applied so far
  fitted_at: jax.Array     # first step whose loss was below the tolerance, -1 if none yet
  diverged_at: jax.Array   # first step whose loss was not finite, -1 if none


def seed_keys(base_seed: int, seeds) -> jax.Array:
  """Key of seed i is fold_in(PRNGKey(base_seed), i): a seed's run does not depend on how many run."""
  base = jax.random.key(base_seed)
  return jax.vmap(lambda i: jax.random.fold_in(base, i))(jnp.asarray(seeds, jnp.uint32))


@dataclasses.dataclass(frozen=True)
class Trainer:
  """Per-seed pure functions; `batched()` gives their jit(vmap(...)) versions."""
  model: nn.Module
  tx: optax.GradientTransformation
  x_train: jax.Array  # (k, H, W)
  fit_tolerance: float

  def loss(self, params) -> jax.Array:
    pred = self.model.apply(params, self.x_train)
    return jnp.mean((pred - self.x_train) ** 2)

  def init_params(self, key):
    return self.model.init(key, self.x_train)

  def init(self, key) -> TrainState:
    params = self.init_params(key)
    minus_one = jnp.array(-1, jnp.int32)
    return TrainState(params, self.tx.init(params), jnp.array(0, jnp.int32), minus_one, minus_one)

  def step(self, state: TrainState) -> TrainState:
    loss, grads = jax.value_and_grad(self.loss)(state.params)
    updates, opt_state = self.tx.update(grads, state.opt_state, state.params)
    params = optax.apply_updates(state.params, updates)
    first = lambda seen, hit: jnp.where((seen < 0) & hit, state.step, seen)
    return TrainState(params, opt_state, state.step + 1,
                      first(state.fitted_at, loss < self.fit_tolerance),
                      first(state.diverged_at, ~jnp.isfinite(loss)))

  def run(self, state: TrainState, num_steps: jax.Array) -> TrainState:
    return jax.lax.fori_loop(0, num_steps, lambda _, s: self.step(s), state)

  def batched(self, seeds_per_vmap: int = 0) -> "BatchedTrainer":
    """jit-compiled functions over a leading seed axis; seeds_per_vmap as in resolve_seeds_per_vmap."""
    if seeds_per_vmap == 0:
      run = jax.vmap(self.run, in_axes=(0, None))
    else:
      group = None if seeds_per_vmap == 1 else seeds_per_vmap  # None: plain sequential loop
      run = lambda state, n: jax.lax.map(lambda s: self.run(s, n), state, batch_size=group)
    return BatchedTrainer(
        init=jax.jit(jax.vmap(self.init)),
        init_params=jax.jit(jax.vmap(self.init_params)),
        run=jax.jit(run, donate_argnums=0),
        loss=jax.jit(jax.vmap(self.loss)))


class BatchedTrainer(NamedTuple):
  init: Callable
  init_params: Callable
  run: Callable
  loss: Callable


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
  train_seconds: float        # wall time, first compile included
  compile_seconds: float


def resolve_seeds_per_vmap(setting: int, num_seeds: int) -> int:
  """setting -1: auto (1 on CPU, else all); 0 or >= num_seeds: all seeds in one vmap (returns 0);
  k: groups of k seeds vmapped, groups in sequence."""
  if isinstance(setting, bool) or not isinstance(setting, int) or setting < -1:
    from identity_jax.errors import ConfigError
    raise ConfigError(f"train.seeds_per_vmap = {setting!r} is not -1 (auto), 0 (all) or a count",
                      "use -1 (auto), 0 (all seeds in one vmap) or a positive count")
  if setting == -1:
    setting = 1 if jax.default_backend() == "cpu" else 0
  return 0 if setting == 0 or setting >= num_seeds else setting


def snapshot_steps(num_steps: int, num_snapshots: int) -> np.ndarray:
  n = max(1, min(num_snapshots, num_steps))
  return np.unique(np.round(np.linspace(0, num_steps, n + 1)).astype(np.int64))


def seed_status(final_loss, diverged_at, fit_tolerance) -> list:
  return [DIVERGED if d >= 0 or not np.isfinite(l) else FITTED if l < fit_tolerance else NOT_FITTED
          for l, d in zip(np.asarray(final_loss), np.asarray(diverged_at))]


def train(trainer: Trainer, keys: jax.Array, num_steps: int, num_snapshots: int,
          progress: Callable[[dict], None] | None = None, seeds_per_vmap: int = -1) -> TrainResult:
  """Trains one seed per key for `num_steps` steps; `progress` gets a dict after every chunk."""
  fns = trainer.batched(resolve_seeds_per_vmap(seeds_per_vmap, len(keys)))
  t0 = time.perf_counter()
  state = fns.init(keys)
  steps = snapshot_steps(num_steps, num_snapshots)
  history = [np.asarray(fns.loss(state.params))]
  compile_seconds = 0.0
  for i, (a, b) in enumerate(zip(steps[:-1], steps[1:])):
    tc = time.perf_counter()
    if i == 0:  # compile explicitly so its time is reported apart from the steps
      run = fns.run.lower(state, jnp.int32(b - a)).compile()
      compile_seconds = time.perf_counter() - tc
      tc = time.perf_counter()
    state = run(state, jnp.int32(b - a))
    history.append(np.asarray(fns.loss(state.params)))
    if progress is not None:
      progress(dict(step=int(b), num_steps=num_steps, chunk_steps=int(b - a),
                    chunk_seconds=time.perf_counter() - tc, loss=history[-1],
                    fitted=int(np.sum(np.asarray(state.fitted_at) >= 0)),
                    diverged=int(np.sum(np.asarray(state.diverged_at) >= 0))))
  final_loss = history[-1]
  diverged_at = np.asarray(state.diverged_at)
  return TrainResult(
      init_params=fns.init_params(keys), params=state.params, loss_steps=steps,
      loss_history=np.stack(history, axis=1),
      final_loss=final_loss, fitted_at=np.asarray(state.fitted_at), diverged_at=diverged_at,
      status=seed_status(final_loss, diverged_at, trainer.fit_tolerance),
      train_seconds=time.perf_counter() - t0, compile_seconds=compile_seconds)
