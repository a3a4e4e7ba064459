r"""Where a training step's time goes: a jax.profiler trace of a model's training program, summed per
XLA op kind.

  python benchmarks/profile_step.py --model=convnet_5x128 [--seeds=2 --steps=20]

The program is the binaries' own (program.Trainer on one 28x28 image, SGD with momentum, seeds one after
another inside the compiled loop, one CPU device), traced for --steps steps after compiling. Ops are
grouped by name with the trailing number dropped (convolution.3 -> convolution), so the table reads
as "convolutions", "fusions", "copies"...; each line gives the total milliseconds and the share of
all traced op time. Models: table.py's MODELS. Results: benchmarks/RESULTS.md.
"""

import argparse
import collections
import gzip
import json
import pathlib
import re
import tempfile

import jax
import jax.numpy as jnp
from table import MODELS, SIZE

from identity_jax import models
from identity_jax.study.cell import OptimConfig
from identity_jax.training import optim, program


def profile(name: str, seeds: int, steps: int) -> dict:
  spec = dict(MODELS[name])
  model = models.build_model(__import__("ml_collections").ConfigDict(spec))
  x = jax.random.uniform(jax.random.key(0), (1, SIZE, SIZE))
  tr = program.Trainer(model, optim.make_optimizer(OptimConfig(schedule="constant"), steps), x, 1e-3)
  fns = tr.batched(1)
  state = fns.init(program.seed_keys(0, range(seeds)))
  run = fns.run.lower(state, jnp.int32(steps)).compile()
  state = jax.block_until_ready(run(state, jnp.int32(steps)))  # warm
  with tempfile.TemporaryDirectory() as d:
    with jax.profiler.trace(d, create_perfetto_trace=True):
      jax.block_until_ready(run(state, jnp.int32(steps)))
    trace, = pathlib.Path(d).rglob("perfetto_trace.json.gz")
    events = json.loads(gzip.decompress(trace.read_bytes()))["traceEvents"]
  per_kind = collections.Counter()
  for e in events:
    # XLA:CPU's thunks carry the HLO instruction's name; skip the host's Python and runtime frames.
    if e.get("ph") == "X" and "dur" in e and "hlo_op" in json.dumps(e.get("args", {})):
      per_kind[re.sub(r"[._]\d+$", "", e["args"].get("hlo_op", e["name"]))] += e["dur"] / 1e3
  return dict(per_kind)


def main():
  p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  p.add_argument("--model", default="convnet_5x128", choices=sorted(MODELS))
  p.add_argument("--seeds", type=int, default=2)
  p.add_argument("--steps", type=int, default=20)
  args = p.parse_args()
  per_kind = profile(args.model, args.seeds, args.steps)
  total = sum(per_kind.values()) or 1.0
  print(f"# {args.model}: {args.seeds} seeds x {args.steps} steps, jax {jax.__version__} "
        f"{jax.default_backend()}; ms of traced op time per op kind")
  for kind, ms in sorted(per_kind.items(), key=lambda kv: -kv[1])[:15]:
    print(f"{kind:40s} {ms:9.1f}  {100 * ms / total:5.1f}%")
  print(f"{'all ops':40s} {total:9.1f}  (per seed-step {total / args.seeds / args.steps:.2f} ms)")


if __name__ == "__main__":
  main()
