r"""Scaling of the seed axis over devices: the same seeds trained on 1, 2, 4, ... devices.

  python benchmarks/scaling.py [--devices=1,2,4,8 --seeds=16 --model=convnet_3x8]

On a CPU the devices are XLA's host-platform devices (--xla_force_host_platform_device_count), which
share the machine's cores; on a GPU/TPU host they are the real chips (counts above the real number
are skipped). Each device count runs in its own process, since it is fixed when jax starts.
Printed: seed-steps per second of loop.train over its chunks after the first (the training steps
alone: no compile, init or evaluation) and the speed-up over 1 device.
"""

import argparse
import json
import os
import subprocess
import sys


def child(model: str, seeds: int, steps: int):
  import jax
  sys.path.insert(0, os.path.dirname(__file__))
  from table import MODELS
  from vmap_vs_sequential import trainer

  from identity_jax.training import loop, program
  tr = trainer(MODELS[model], steps)
  keys = program.seed_keys(0, range(seeds))
  opts = loop.RunOptions(shard=jax.device_count() > 1)
  chunks = []  # (steps, seconds) of each chunk after the first; compiling is outside chunk times
  loop.train(tr, keys, steps, 5, options=opts,
              progress=lambda p: chunks.append((p["chunk_steps"], p["chunk_seconds"])))
  done, seconds = map(sum, zip(*chunks[1:]))
  print("RESULT " + json.dumps(dict(devices=jax.device_count(), backend=jax.default_backend(),
                                    rate=seeds * done / seconds)))


def main():
  p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  p.add_argument("--devices", default="1,2,4,8")
  p.add_argument("--seeds", type=int, default=16)
  p.add_argument("--steps", type=int, default=300)
  p.add_argument("--model", default="convnet_3x8")
  p.add_argument("--child", action="store_true")
  a = p.parse_args()
  if a.child:
    return child(a.model, a.seeds, a.steps)
  base = None
  print(f"# {a.model}, {a.seeds} seeds x {a.steps} steps, seeds sharded with shard_map")
  for d in [int(x) for x in a.devices.split(",")]:
    env = dict(os.environ, XLA_FLAGS=f"--xla_force_host_platform_device_count={d}")
    out = subprocess.run([sys.executable, __file__, "--child", f"--seeds={a.seeds}",
                          f"--steps={a.steps}", f"--model={a.model}"], env=env,
                         capture_output=True, text=True, timeout=1800)
    line = [l for l in out.stdout.splitlines() if l.startswith("RESULT ")]
    if not line:
      raise RuntimeError(out.stderr[-3000:])
    r = json.loads(line[0][7:])
    base = base or r["rate"]
    print(f"devices {r['devices']:2d} ({r['backend']}): {r['rate']:9,.0f} seed-steps/s  "
          f"x{r['rate'] / base:.2f}", flush=True)


if __name__ == "__main__":
  main()
