r"""One convolution layer under each form: forward and both gradients, seeds vmapped, one device.

  JAX_NUM_CPU_DEVICES=1 python benchmarks/conv_forms.py [--seeds=4] [--seconds=0.3]

What conv.resolve_impl's per-layer rule ('rows' when k*k*C_in is long, else 'matmul') rests on.
Prints microseconds per call of the compiled vmap(grad) of sum(relu(conv(x, w))**2) with respect to
w and x, for each form, and rows' speed against matmul (> 1: rows faster). Results:
benchmarks/RESULTS.md.
"""

import argparse

import jax
import jax.numpy as jnp

import timing
from identity_jax import conv

SHAPES = ((1, 3, 28, 5), (3, 3, 28, 5), (3, 1, 28, 5), (2, 2, 28, 5), (4, 4, 28, 5), (8, 8, 28, 5),
          (16, 16, 28, 5), (32, 32, 28, 5), (1, 32, 28, 5), (32, 1, 28, 5), (64, 64, 28, 5),
          (3, 3, 14, 5), (8, 8, 14, 5), (16, 16, 14, 5), (2, 2, 14, 5), (32, 32, 14, 5),
          (32, 32, 7, 5), (8, 8, 28, 9), (8, 8, 28, 15), (8, 8, 28, 29))  # (C_in, C_out, size, k)


def calls_per_s(c_in, c_out, size, k, impl, seeds, seconds):
  x = jax.random.normal(jax.random.key(0), (seeds, 1, size, size, c_in))
  w = jax.random.normal(jax.random.key(1), (seeds, k, k, c_in, c_out)) * 0.1
  loss = lambda w, x: jnp.sum(jnp.maximum(conv.conv2d_same(x, w, impl), 0) ** 2)
  f = jax.jit(jax.vmap(jax.grad(loss, argnums=(0, 1))))
  return timing.calls_per_second(f, (w, x), seconds)


def main():
  p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  p.add_argument("--seeds", type=int, default=4)
  p.add_argument("--seconds", type=float, default=0.3)
  args = p.parse_args()
  print(f"# jax {jax.__version__} {jax.default_backend()}, {jax.device_count()} devices, "
        f"{args.seeds} seeds vmapped")
  print("c_in c_out size  k  matmul_us rows_us  rows_speed  auto")
  for c_in, c_out, size, k in SHAPES:
    m, r = (calls_per_s(c_in, c_out, size, k, impl, args.seeds, args.seconds)
            for impl in ("matmul", "rows"))
    auto = conv.resolve_impl("auto", k, c_in, size, size)
    print(f"{c_in:4d} {c_out:5d} {size:4d} {k:2d}  {1e6 / m:9.1f} {1e6 / r:7.1f}  {r / m:9.2f}x  "
          f"{auto}", flush=True)


if __name__ == "__main__":
  main()
