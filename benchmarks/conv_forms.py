r"""One convolution layer under each form: forward and both gradients, one device.

  JAX_NUM_CPU_DEVICES=1 python benchmarks/conv_forms.py [--mode=sequential|vmap] [--seeds=4]

What conv.resolve_impl's per-layer rule rests on. Prints microseconds per seed of the compiled
grad of sum(relu(conv(x, w))**2) with respect to w and x, for each form, the fastest, and what
`auto` picks. --mode=sequential (the default) times one seed alone, as the binaries run seeds on a
CPU (one after another on each device); --mode=vmap times --seeds seeds vmapped in one call (the GPU
and TPU default). --loop=N (default 10) takes N gradient steps on w inside one compiled fori_loop,
as training does: XLA:CPU's own convolution ('xla') is fast at top level (--loop=0) and many times
slower inside a loop (jax issue 12868), so only the loop predicts training. Whole cells' training
programs: benchmarks/presets.py. Results: benchmarks/RESULTS.md.
"""

import argparse

import jax
import jax.numpy as jnp
import timing

from identity_jax.models import conv

SHAPES = ((1, 3, 28, 5), (3, 3, 28, 5), (3, 1, 28, 5), (2, 2, 28, 5), (4, 4, 28, 5), (8, 8, 28, 5),
          (16, 16, 28, 5), (32, 32, 28, 5), (1, 32, 28, 5), (32, 1, 28, 5), (64, 64, 28, 5),
          (128, 128, 28, 5), (3, 3, 14, 5), (8, 8, 14, 5), (16, 16, 14, 5), (2, 2, 14, 5),
          (32, 32, 14, 5), (32, 32, 7, 5), (1, 8, 28, 9), (8, 8, 28, 9), (1, 8, 28, 15),
          (8, 8, 28, 15), (1, 8, 28, 29), (8, 8, 28, 29), (8, 8, 28, 57))  # (C_in, C_out, size, k)
FORMS = ("nhwc", "matmul", "rows", "flipped", "xla")
# The matmul form's patch buffer beyond this compiles for minutes (57x57 x 8 channels: 177 s).
MAX_TIMED_PATCH = 2**24


def us_per_seed(c_in, c_out, size, k, impl, mode, seeds, seconds, loop):
  n = seeds if mode == "vmap" else 1
  x = jax.random.normal(jax.random.key(0), (n, 1, size, size, c_in))
  w = jax.random.normal(jax.random.key(1), (n, k, k, c_in, c_out)) * 0.1
  loss = lambda w, x: jnp.sum(jnp.maximum(conv.conv2d_same(x, w, impl), 0) ** 2)
  grad = jax.grad(loss, argnums=(0, 1))
  if loop:  # both gradients feed the next step, so neither is dropped as dead code
    step = lambda i, wx: jax.tree.map(lambda a, g: a - 1e-6 * g, wx, grad(*wx))
    run = lambda w, x: jax.lax.fori_loop(0, loop, step, (w, x))
  else:
    run = grad
  f = jax.jit(jax.vmap(run) if mode == "vmap" else lambda w, x: run(w[0], x[0]))
  return 1e6 / timing.calls_per_second(f, (w, x), seconds) / n / max(loop, 1)


def main():
  p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  p.add_argument("--mode", choices=("sequential", "vmap"), default="sequential")
  p.add_argument("--seeds", type=int, default=4, help="seeds per call with --mode=vmap")
  p.add_argument("--seconds", type=float, default=0.3)
  p.add_argument("--loop", type=int, default=10, help="steps per call inside a fori_loop; 0: none")
  p.add_argument("--forms", default=",".join(FORMS), help="comma-separated forms to time")
  p.add_argument("--shapes", default="", help="C_IN:C_OUT:SIZE:K,... instead of the built-in list")
  args = p.parse_args()
  forms = args.forms.split(",")
  shapes = [tuple(map(int, s.split(":"))) for s in args.shapes.split(",")] if args.shapes else SHAPES
  how = f"{args.seeds} seeds vmapped" if args.mode == "vmap" else "one seed at a time"
  how += f", {args.loop} steps in a fori_loop" if args.loop else ", top level"
  print(f"# jax {jax.__version__} {jax.default_backend()}, {jax.device_count()} devices, {how}; "
        "us per seed")
  print("c_in c_out size  k  k*k*c_in " + " ".join(f"{f:>9s}" for f in forms) + "  fastest  auto")
  for c_in, c_out, size, k in shapes:
    patch = k * k * c_in
    us = {f: us_per_seed(c_in, c_out, size, k, f, args.mode, args.seeds, args.seconds, args.loop)
          for f in forms if f not in ("matmul", "flipped") or size * size * patch <= MAX_TIMED_PATCH}
    auto = conv.resolve_impl("auto", k, c_in, c_out, size, size)
    print(f"{c_in:4d} {c_out:5d} {size:4d} {k:2d} {patch:9d} "
          + " ".join(f"{us[f]:9.1f}" if f in us else f"{'-':>9s}" for f in forms)
          + f"  {min(us, key=us.get):>7s}  {auto}", flush=True)


if __name__ == "__main__":
  main()
