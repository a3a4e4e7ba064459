r"""What N seeds trained together under vmap cost against the same N seeds trained one by one.

  make bench      (= python benchmarks/vmap_vs_sequential.py [--seeds=1,8,32 --steps=100])

Both sides run the same jit-compiled training program (one seed vs jit(vmap) over N), after a warm-up
call that compiles it, on one 28x28 "7"-sized input. Printed per model and N: seed-steps per second
together and one by one, and their ratio (the speed-up of vmap). Results: benchmarks/RESULTS.md.
"""

import argparse
import platform
import time

import jax
import jax.numpy as jnp
import ml_collections

from identity_jax import models, optim, train

MODELS = {
    "convnet_5x32": dict(name="convnet", num_layers=5, channels=32),
    "convnet_3x8": dict(name="convnet", num_layers=3, channels=8),
    "relu_fcn_1x256": dict(name="fcn", hidden_layers=1, width=256),
    "relu_fcn_3x2048": dict(name="fcn", hidden_layers=3, width=2048),
    "linear_1": dict(name="fcn", hidden_layers=0, activation="linear"),
}


def trainer(spec, num_steps):
  m = dict(name="convnet", num_layers=5, channels=32, kernel_size=5, conv_impl="auto",
           hidden_layers=1, width=256, activation="relu", use_bias=True, init="torch_default",
           bias_init="torch_default")
  m.update(spec)
  o = ml_collections.ConfigDict(dict(name="sgd", learning_rate=0.01, momentum=0.9,
                                     schedule="stagewise"))
  x = jax.random.normal(jax.random.key(0), (1, 28, 28))
  return train.Trainer(models.build_model(ml_collections.ConfigDict(m)),
                       optim.make_optimizer(o, num_steps), x, 1e-3)


def timed(fn, *args):
  out = fn(*args)  # warm-up: compiles
  jax.block_until_ready(out)
  t = time.perf_counter()
  out = fn(*args)
  jax.block_until_ready(out)
  return time.perf_counter() - t


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--seeds", default="1,8,32")
  parser.add_argument("--steps", type=int, default=100)
  parser.add_argument("--models", default=",".join(MODELS))
  args = parser.parse_args()
  seed_counts = [int(s) for s in args.seeds.split(",")]
  print(f"# {platform.node()} | {jax.default_backend()} {jax.devices()[0].device_kind} | "
        f"jax {jax.__version__} | {args.steps} steps per measurement")
  print(f"{'model':18s} {'seeds':>5s} {'together seed-steps/s':>22s} "
        f"{'one-by-one seed-steps/s':>24s} {'ratio':>6s}")
  for name in args.models.split(","):
    tr = trainer(MODELS[name], args.steps)
    run1 = jax.jit(tr.run)
    state1 = jax.jit(tr.init)(jax.random.key(0))
    t_one = timed(run1, state1, args.steps)  # one seed; N of them one by one take N times this
    batched = tr.batched()
    for n in seed_counts:
      keys = train.seed_keys(0, range(n))
      state = batched.init(keys)
      run_n = jax.jit(jax.vmap(tr.run, in_axes=(0, None)))  # no donation: state is reused
      t_all = timed(run_n, state, args.steps)
      together = n * args.steps / t_all
      alone = args.steps / t_one
      print(f"{name:18s} {n:5d} {together:22,.0f} {alone:24,.0f} {together / alone:6.2f}",
            flush=True)


if __name__ == "__main__":
  main()
