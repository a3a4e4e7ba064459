"""Optimizers by name, learning-rate schedules, and freezing of chosen layers.

Hyperparameters other than the learning rate follow PyTorch's defaults (the paper names optimizers the
way PyTorch does and gives no other settings): Adagrad starts its accumulator at 0 with eps 1e-10,
RMSprop decays with 0.99 and adds eps outside the square root.

Schedules (optim.schedule). Appendix B: lr x0.2 at 30%, 60% and 80% of 2,000,000 steps, i.e. 600,000
steps at the full rate, then three decays, ending at 10/3 of the constant phase.
  paper       per seed: the full rate until that seed has fitted stably, or until 30% of the budget,
              whichever comes first; from there, call it T, x0.2 at T, 2T and 8T/3, and no more
              updates from 10T/3 on. "Fitted stably": the training MSE has stayed below the
              tolerance for as many steps as it took to get there (T = the first step s at which
              it has been below since step s/2). The first dip below the tolerance will not do:
              with momentum 0.9 the loss bounces back above it (measured: a 1-layer linear net dips
              to 0.9e-3 at step 21 and is back at 1.2e-3 by step 30, and decaying from step 21
              froze 7 of 8 seeds at 1.8e-3). A seed that does not fit stably before 30% of the
              budget gets exactly the paper's schedule. Per seed rather than per cell, so that a
              seed's run never depends on which other seeds train beside it.
  compressed  x0.2 at 30/60/80% of the run's budget, whatever the budget: a short budget shortens
              the constant phase too (kept for comparison; fitting then depends on the budget).
  constant    the full rate throughout.
"""

import jax
import jax.numpy as jnp
import optax

from identity_jax.errors import ConfigError, check_choice

OPTIMIZERS = ("sgd", "adam", "adagrad", "rmsprop", "adamax")
SCHEDULES = ("paper", "compressed", "constant")
RENAMED_SCHEDULES = {"stagewise": "compressed"}
STAGE_FRACTIONS = (0.3, 0.6, 0.8)  # of the budget (compressed), 0.3 being the paper's constant phase
STAGE_FACTOR = 0.2
# paper: decays at these multiples of the constant phase T, and the end (2M / 600k = 10/3).
PAPER_STAGES = (1.0, 2.0, 8.0 / 3.0)
PAPER_END = 10.0 / 3.0


def check_schedule(name: str) -> None:
  if name in RENAMED_SCHEDULES:
    raise ConfigError(f"optim.schedule {name!r} was renamed",
                      f"use {RENAMED_SCHEDULES[name]!r} (same schedule), or 'paper' (the default)")
  check_choice("optim.schedule", name, SCHEDULES)


def learning_rate_schedule(cfg, num_steps: int) -> optax.Schedule:
  """The schedule inside the optimizer; for 'paper' it is constant, and the per-seed decays are
  `update_scale`'s, applied by the training step. cfg: a cell.OptimConfig (validated there)."""
  if cfg.schedule != "compressed":
    return optax.constant_schedule(cfg.learning_rate)
  return optax.piecewise_constant_schedule(
      cfg.learning_rate, {int(f * num_steps): STAGE_FACTOR for f in STAGE_FRACTIONS})


def stably_fitted(step, below_since):
  """Whether a seed whose loss has been below the tolerance since `below_since` (-1: it is not now)
  counts as fitted stably at `step` (see the module docstring)."""
  return (below_since >= 0) & (step >= 2 * below_since)


def paper_phase(decay_at, num_steps: int):
  """T of the paper schedule: the step the seed first fitted stably (-1: not yet), capped at 30%
  of the budget."""
  cap = int(STAGE_FRACTIONS[0] * num_steps)
  return jnp.where((decay_at >= 0) & (decay_at < cap), decay_at, cap)


def paper_end(decay_at, num_steps: int):
  """Step from which a seed under the paper schedule takes no more updates (int, per seed)."""
  return jnp.minimum(jnp.round(PAPER_END * paper_phase(decay_at, num_steps)), num_steps).astype(
      jnp.int32)


def update_scale(step, decay_at, num_steps: int):
  """Factor on one seed's update at `step` under the paper schedule (1, 0.2, 0.04, 0.008, then 0).
  Every optimizer here applies its learning rate last, so scaling the update is scaling the rate."""
  phase = paper_phase(decay_at, num_steps).astype(jnp.float32)
  passed = sum((step >= jnp.round(m * phase)).astype(jnp.int32) for m in PAPER_STAGES)
  scale = jnp.asarray(STAGE_FACTOR, jnp.float32) ** passed
  return jnp.where(step >= paper_end(decay_at, num_steps), 0.0, scale)


def make_optimizer(cfg, num_steps: int) -> optax.GradientTransformation:
  """`cfg` is a cell.OptimConfig (validated there): name, learning_rate, momentum (sgd), schedule."""
  lr = learning_rate_schedule(cfg, num_steps)
  if cfg.name == "sgd":
    return optax.sgd(lr, momentum=cfg.momentum or None)
  if cfg.name == "adam":
    return optax.adam(lr)
  if cfg.name == "adamax":
    return optax.adamax(lr)
  if cfg.name == "adagrad":
    return optax.adagrad(lr, initial_accumulator_value=0.0, eps=1e-10)
  return optax.rmsprop(lr, decay=0.99, eps=1e-8, eps_in_sqrt=False)


def parse_trainable(spec: str, num_layers: int) -> tuple[int, ...]:
  """'all' or comma-separated layer indices ('0', '0,-1'; negative counts from the top) -> indices."""
  if spec == "all":
    return tuple(range(num_layers))
  fix = (f"set train.trainable to 'all' or to comma-separated layer indices in "
         f"-{num_layers}..{num_layers - 1}, e.g. '0' for the bottom layer only")
  try:
    raw = [int(s) for s in str(spec).split(",")]
  except ValueError:
    raise ConfigError(f"train.trainable = {spec!r} is not 'all' or a list of layer indices", fix)
  if not raw or any(not -num_layers <= i < num_layers for i in raw):
    raise ConfigError(f"train.trainable = {spec!r} names a layer outside this "
                      f"{num_layers}-layer model", fix)
  return tuple(sorted({i % num_layers for i in raw}))


def with_frozen_layers(tx: optax.GradientTransformation, trainable: tuple[int, ...]):
  """Applies `tx` to the layers in `trainable`; every other layer gets exactly zero updates."""
  def labels(params):
    return {col: {name: jax.tree.map(
                      lambda _, n=name: "train" if int(n.split("_")[1]) in trainable else "freeze",
                      sub)
                  for name, sub in layers.items()}
            for col, layers in params.items()}
  return optax.multi_transform({"train": tx, "freeze": optax.set_to_zero()}, labels)
