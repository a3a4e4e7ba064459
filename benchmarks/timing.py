"""The timing loop every benchmark here shares."""

import time


def calibrated(run, seconds: float) -> int:
  """Units for a measurement of about `seconds`: timed runs of 3, 12, 48, ... units until one lasts
  a fifth of that (they also warm up), then scaled (at least 3). run(k) runs k units and returns when
  they are done."""
  k = 3
  while True:
    t = time.perf_counter()
    run(k)
    dt = time.perf_counter() - t
    if dt >= seconds / 5:
      return max(3, int(k * seconds / dt))
    k *= 4


def per_second(run, seconds: float) -> float:
  """Units per second of run(k): calibrated to about `seconds`, then timed once."""
  k = calibrated(run, seconds)
  t = time.perf_counter()
  run(k)
  return k / (time.perf_counter() - t)


def calls_per_second(f, args: tuple, seconds: float) -> float:
  """Calls per second of the jitted f(*args), its compilation (the first call) left out."""
  import jax  # here: the PyTorch side of table.py imports this module without jax
  jax.block_until_ready(f(*args))

  def calls(n):
    jax.block_until_ready([f(*args) for _ in range(n)])
  return per_second(calls, seconds)
