"""Several processes (hosts) training one seed axis: jax's multi-controller model.

Every process runs the same program: the seeds are sharded over every host's devices (loop.py), and
what the host side reads (losses, fitted steps, final parameters) is gathered to every process, so
each process makes the same decisions (stop, save, skip a cell) and evaluates the same numbers. Only
process 0 writes files (experiment.py); orbax checkpoints are saved and restored by all of them.
With one process every function here is the plain single-process operation.
"""

import jax
import numpy as np
from jax.experimental import multihost_utils

from identity_jax.errors import ConfigError


def initialize(coordinator_address: str = "", num_processes: int = 0, process_id: int = -1) -> None:
  """jax.distributed.initialize, with explicit values where given (else the environment's auto-
  detection: TPU pods, Slurm, Open MPI). On CPU, collectives go over gloo."""
  _check_flags(coordinator_address, num_processes, process_id)
  jax.config.update("jax_cpu_collectives_implementation", "gloo")  # CPU only; GPUs/TPUs keep theirs
  kwargs = {}
  if coordinator_address:
    kwargs["coordinator_address"] = coordinator_address
  if num_processes:
    kwargs["num_processes"] = num_processes
  if process_id >= 0:
    kwargs["process_id"] = process_id
  jax.distributed.initialize(**kwargs)


def _check_flags(coordinator_address: str, num_processes: int, process_id: int) -> None:
  """The explicit flags are all given or none (auto-detection), and consistent."""
  fix = ("give all three: --coordinator_address=HOST:PORT (process 0's) --num_processes=N "
         "--process_id=I with 0 <= I < N, the same first two on every process; or none of them "
         "where the cluster is detected (TPU pods, Slurm, Open MPI)")
  given = [bool(coordinator_address), num_processes != 0, process_id >= 0]
  if any(given) and not all(given):
    missing = [f for f, g in zip(("--coordinator_address", "--num_processes", "--process_id"), given)
               if not g]
    raise ConfigError(f"--jax_distributed without {' and '.join(missing)}", fix)
  if all(given):
    if num_processes < 1 or not 0 <= process_id < num_processes:
      raise ConfigError(f"--process_id={process_id} is not in 0..{num_processes - 1} "
                        f"(--num_processes={num_processes})", fix)
    host, _, port = coordinator_address.rpartition(":")
    if not host or not port.isdigit():
      raise ConfigError(f"--coordinator_address={coordinator_address!r} is not HOST:PORT", fix)


def several() -> bool:
  return jax.process_count() > 1


def is_writer() -> bool:
  """Process 0 writes results, logs and figures; the others compute the same and write nothing."""
  return jax.process_index() == 0


def to_host(tree):
  """Numpy copies of (possibly globally sharded) arrays, whole on every process."""
  if not several():
    return jax.tree.map(np.asarray, tree)
  return jax.tree.map(np.asarray, multihost_utils.process_allgather(tree, tiled=True))


def agree(value):
  """Process 0's value, on every process (for decisions taken on the host, e.g. 'save now')."""
  if not several():
    return value
  return type(value)(np.asarray(multihost_utils.broadcast_one_to_all(np.asarray(value))))


def anyone(flag: bool) -> bool:
  """Whether any process's flag is set, on every process (e.g. 'my part of the checkpoint failed')."""
  if not several():
    return bool(flag)
  return bool(np.any(multihost_utils.process_allgather(np.asarray(bool(flag)))))


def place(tree, sharding):
  """Arrays computed identically on every process, placed on a sharding that may span them all."""
  if not several():
    return jax.device_put(tree, sharding)
  return jax.tree.map(lambda a: jax.make_array_from_callback(
      a.shape, sharding, lambda index, host=np.asarray(a): host[index], dtype=a.dtype), tree)
