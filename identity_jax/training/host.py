"""One XLA CPU device per core, so that seeds sharded over the devices keep every core busy.

XLA:CPU runs most ops of a small training step on one core; only large matmuls use the others. With
each core its own device, loop.train shards the seeds over them and the small models train 1.4-2.1x
faster on 2 cores, while the large ConvNets (multi-threaded matmuls either way) run at the same speed
within the noise (benchmarks/RESULTS.md). The count is fixed when jax starts its first backend, so this
must run before any computation; the binaries call it first thing. It changes no seed's result
(tests/sharding_check.py).
"""

import os

import jax
from absl import logging

_FORCE_FLAG = "xla_force_host_platform_device_count"


def use_every_core(count: int = 0) -> int:
  """Asks jax for `count` CPU devices (0: one per core available to this process); returns the count
  asked for, or 0 when nothing was changed: a count set already (XLA_FLAGS, JAX_NUM_CPU_DEVICES) is
  kept, and after jax has started a backend the call only warns. Accelerators are unaffected."""
  if count < 0:
    raise ValueError(f"count = {count} must be >= 0 (0: one device per core)")
  if _FORCE_FLAG in os.environ.get("XLA_FLAGS", "") or "JAX_NUM_CPU_DEVICES" in os.environ:
    return 0
  count = count or len(os.sched_getaffinity(0))
  try:
    jax.config.update("jax_num_cpu_devices", count)
  except RuntimeError:  # jax refuses once a backend is up; results stay right, only slower
    logging.warning("jax already started, so its CPU devices stay as they are; fix: call "
                    "identity_jax.training.host.use_every_core() before the first jax computation")
    return 0
  return count


def cpu_model() -> str:
  """This machine's CPU model name ('' where /proc/cpuinfo does not say): each cell's timing records
  it, since a study's cells may run on different machines."""
  try:
    with open("/proc/cpuinfo") as f:
      return next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "")
  except OSError:
    return ""
