"""Several processes (hosts) training one seed axis: jax's multi-controller model.

Every process runs the same program: the seeds are sharded over every host's devices (train.py), and
what the host side reads (losses, fitted steps, final parameters) is gathered to every process, so
each process makes the same decisions (stop, save, skip a cell) and evaluates the same numbers. Only
process 0 writes files (experiment.py); orbax checkpoints are saved and restored by all of them.
With one process every function here is the plain single-process operation.
"""

import jax
import numpy as np
from jax.experimental import multihost_utils


def initialize(coordinator_address: str = "", num_processes: int = 0, process_id: int = -1) -> None:
  """jax.distributed.initialize, with explicit values where given (else the environment's auto-
  detection: TPU pods, Slurm, Open MPI). On CPU, collectives go over gloo."""
  jax.config.update("jax_cpu_collectives_implementation", "gloo")  # CPU only; GPUs/TPUs keep theirs
  kwargs = {}
  if coordinator_address:
    kwargs["coordinator_address"] = coordinator_address
  if num_processes:
    kwargs["num_processes"] = num_processes
  if process_id >= 0:
    kwargs["process_id"] = process_id
  jax.distributed.initialize(**kwargs)


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


def place(tree, sharding):
  """Arrays computed identically on every process, placed on a sharding that may span them all."""
  if not several():
    return jax.device_put(tree, sharding)
  return jax.tree.map(lambda a: jax.make_array_from_callback(
      a.shape, sharding, lambda index, host=np.asarray(a): host[index], dtype=a.dtype), tree)
