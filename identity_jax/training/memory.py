"""Host memory a cell's run needs, estimated from its shapes before anything is written or trained.

A run holds, for the seeds it trains together (train.seed_chunk, else all of them), the training state
(parameters and optimizer state) about twice over (the state and the step's new one), and for every
seed of the cell its final and initial parameters (the results). What does not fit is refused with the
seed_chunk that would fit, or the seed count that could, rather than killed by the kernel mid-run.
"""

import jax
import jax.numpy as jnp
import numpy as np

from identity_jax.errors import ConfigError

# Room kept for everything the estimate leaves out (XLA's buffers, activations, the test suites).
HEADROOM = 0.75


def available_bytes() -> int | None:
  """MemAvailable of /proc/meminfo (None where there is no such file: not Linux)."""
  try:
    with open("/proc/meminfo") as f:
      for line in f:
        if line.startswith("MemAvailable:"):
          return int(line.split()[1]) * 1024
  except OSError:
    return None
  return None


def _nbytes(tree) -> int:
  return sum(int(np.prod(a.shape)) * a.dtype.itemsize for a in jax.tree.leaves(tree))


def seed_bytes(cell) -> tuple[int, int]:
  """(bytes of one seed's training state, bytes of one seed's kept parameters), from shapes alone."""
  x = jnp.zeros((1, cell.data.image_size, cell.data.image_size), jnp.float32)
  params = jax.eval_shape(lambda k: cell.module.init(k, x), jax.random.key(0))
  opt_state = jax.eval_shape(cell.optimizer.init, params)
  p = _nbytes(params)
  return 2 * (p + _nbytes(opt_state)), 2 * p


def check(cell, available: int | None = None) -> None:
  """Raises ConfigError naming the cell, its need and the fix when its run cannot fit in host memory."""
  available = available_bytes() if available is None else available
  if available is None:
    return
  budget = HEADROOM * available
  state, kept = seed_bytes(cell)
  n = cell.num_seeds
  together = min(n, cell.train.seed_chunk or n)
  need = together * state + n * kept
  if need <= budget:
    return
  gb = lambda b: f"{b / 2**30:,.1f} GB"
  what = f"cell {cell.name!r}: {n:,} seeds of {gb(state + kept)} each need about {gb(need)}, " \
         f"more than the {gb(available)} of memory available"
  most = int(budget // (state + kept))
  if n * kept + state > budget:
    raise ConfigError(what, f"use at most {most:,} seeds (num_seeds), or a machine with more memory")
  chunk = int((budget - n * kept) // state)
  raise ConfigError(what, f"train the seeds in runs of at most {chunk:,}: "
                          f"--config.train.seed_chunk={chunk} (same results), or fewer seeds")
