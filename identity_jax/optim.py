"""Optimizers by name with the paper's stagewise schedule, and freezing of chosen layers.

Hyperparameters other than the learning rate follow PyTorch's defaults (the paper names optimizers the
way PyTorch does and gives no other settings): Adagrad starts its accumulator at 0 with eps 1e-10,
RMSprop decays with 0.99 and adds eps outside the square root.
"""

import jax
import optax

from identity_jax.errors import ConfigError, check_choice, check_positive

OPTIMIZERS = ("sgd", "adam", "adagrad", "rmsprop", "adamax")
SCHEDULES = ("stagewise", "constant")
# Appendix B: the learning rate is multiplied by 0.2 at 30%, 60% and 80% of the steps.
STAGE_FRACTIONS = (0.3, 0.6, 0.8)
STAGE_FACTOR = 0.2


def learning_rate_schedule(cfg, num_steps: int) -> optax.Schedule:
  check_positive("optim.learning_rate", cfg.learning_rate)
  check_choice("optim.schedule", cfg.schedule, SCHEDULES)
  if cfg.schedule == "constant":
    return optax.constant_schedule(cfg.learning_rate)
  return optax.piecewise_constant_schedule(
      cfg.learning_rate, {int(f * num_steps): STAGE_FACTOR for f in STAGE_FRACTIONS})


def make_optimizer(cfg, num_steps: int) -> optax.GradientTransformation:
  """`cfg` is the `optim` section: name, learning_rate, momentum (sgd only), schedule."""
  check_choice("optim.name", cfg.name, OPTIMIZERS)
  lr = learning_rate_schedule(cfg, num_steps)
  if cfg.name == "sgd":
    if not 0.0 <= cfg.momentum < 1.0:
      raise ConfigError(f"optim.momentum = {cfg.momentum} is outside [0, 1)",
                        "use a momentum in [0, 1); the paper uses 0.9")
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
