r"""What N seeds trained together in one program cost against the same N seeds trained one by one.

  make bench      (= python benchmarks/vmap_vs_sequential.py [--seeds=1,8,32 --steps=50])

Baseline: the single-seed jit-compiled program, called once per seed ("one by one"). Against it, the
N-seed program of identity_jax.training (program.py, loop.py) with each `seeds_per_vmap` setting: "all" = all N in one vmap,
1 = seeds in sequence inside the program, 8 = vmapped groups of 8 in sequence.
Every program is warmed up (compiled) before it is timed, on one 28x28 input. Printed: seed-steps per
second, and each ratio to one by one (> 1: faster). Results: benchmarks/RESULTS.md.
"""

import argparse
import platform
import time

import jax
import jax.numpy as jnp

from identity_jax import models
from identity_jax.study import cell
from identity_jax.training import loop, optim, program

MODELS = {
    "convnet_5x32": dict(name="convnet", num_layers=5, channels=32),
    "convnet_3x8": dict(name="convnet", num_layers=3, channels=8),
    "relu_fcn_1x256": dict(name="fcn", hidden_layers=1, width=256),
    "relu_fcn_3x2048": dict(name="fcn", hidden_layers=3, width=2048),
    "linear_1": dict(name="fcn", hidden_layers=0, activation="linear"),
}


def trainer(spec, num_steps):
  o = cell.OptimConfig(name="sgd", learning_rate=0.01, momentum=0.9, schedule="compressed")
  x = jax.random.normal(jax.random.key(0), (1, 28, 28))
  return program.Trainer(models.build_model(spec), optim.make_optimizer(o, num_steps), x, 1e-3)


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
  parser.add_argument("--steps", type=int, default=50)
  parser.add_argument("--models", default=",".join(MODELS))
  args = parser.parse_args()
  seed_counts = [int(s) for s in args.seeds.split(",")]
  print(f"# {platform.node()} | {jax.default_backend()} {jax.devices()[0].device_kind} | "
        f"jax {jax.__version__} | {args.steps} steps per measurement")
  strategies = {"vmap all": "all", "sequential": 1, "groups of 8": 8}
  print(f"{'model':16s} {'seeds':>5s} {'one-by-one':>11s} "
        + " ".join(f"{k:>20s}" for k in strategies) + "   (seed-steps/s, ratio)")
  for name in args.models.split(","):
    tr = trainer(MODELS[name], args.steps)
    state1 = jax.jit(tr.init)(jax.random.key(0))
    alone = args.steps / timed(jax.jit(tr.run), state1, args.steps)
    for n in seed_counts:
      state = jax.jit(jax.vmap(tr.init))(program.seed_keys(0, range(n)))
      cells = []
      for setting in strategies.values():
        k = loop.resolve_seeds_per_vmap(setting, n)
        run = tr.batched(k).run
        # run donates its state: time it on fresh copies
        t = timed(lambda s, m: run(jax.tree.map(jnp.copy, s), m), state, args.steps)
        rate = n * args.steps / t
        cells.append(f"{rate:12,.0f} ({rate / alone:4.2f})")
      print(f"{name:16s} {n:5d} {alone:11,.0f} " + " ".join(f"{c:>20s}" for c in cells), flush=True)


if __name__ == "__main__":
  main()
