r"""The performance table: identity_jax against the best PyTorch a researcher would write, and the
machine's matmul peak.

  python benchmarks/table.py [--quick]        (PyTorch: pip install -e .[bench]; skipped if absent)

Per model, on one 28x28 input, SGD with momentum: seed-steps per second at several seed counts
(identity_jax's default seed strategy for the backend) on one device and, on a CPU, on one device per
core with the seeds sharded (what the binaries do, identity_jax/training/host.py); achieved GFLOP/s, compile
time, and the peak resident memory of a process that runs only that model. Against it, measured in the
same run:
  (a) PyTorch eager, the loop a researcher would write, one seed after another (torch threads = cores);
  (b) torch.func: the seeds' parameters stacked (stack_module_state), functional_call under
      vmap(grad), SGD with momentum applied to the stacked tensors: PyTorch's own "many seeds in one
      program", at the same seed counts;
  (c) the machine's matmul peak: a 2048x2048 float32 matmul under jax, and under torch.
"x torch" is identity_jax's default against the better of (a) and (b) at that seed count.
FLOPs per step are 6 x the multiply-accumulates of the layers (forward 2, backward 4), the usual
convention; elementwise work is not counted. Each model runs in its own process so peak memory is its
own. Also measured: peak memory after 1x and 10x the steps (it must not grow with steps).
"""

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time

import timing

MODELS = {
    "convnet_5x32": dict(name="convnet", num_layers=5, channels=32),
    "convnet_12x32": dict(name="convnet", num_layers=12, channels=32),
    "convnet_20x32": dict(name="convnet", num_layers=20, channels=32),
    "convnet_5x128": dict(name="convnet", num_layers=5, channels=128),
    "convnet_20x128": dict(name="convnet", num_layers=20, channels=128),
    "convnet_3x8": dict(name="convnet", num_layers=3, channels=8),
    "relu_fcn_3x2048": dict(name="fcn", hidden_layers=3, width=2048),
    "relu_fcn_1x256": dict(name="fcn", hidden_layers=1, width=256),
    "linear_1": dict(name="fcn", hidden_layers=0, activation="linear"),
}
SIZE = 28


def macs(spec) -> int:
  d = SIZE * SIZE
  if spec["name"] == "fcn":
    widths = [d] + [spec.get("width", 0)] * spec.get("hidden_layers", 0) + [d]
    return sum(a * b for a, b in zip(widths[:-1], widths[1:]))
  c, k, n = spec["channels"], 5, spec["num_layers"]
  chans = [1] + [c] * (n - 1) + [1]
  return sum(d * k * k * a * b for a, b in zip(chans[:-1], chans[1:]))


def run_jax(name, seed_counts, seconds):
  import jax
  import jax.numpy as jnp
  sys.path.insert(0, os.path.dirname(__file__))
  from vmap_vs_sequential import trainer

  from identity_jax.training import loop, program
  spec = MODELS[name]
  out = dict(model=name, flops_per_step=6 * macs(spec), rows=[])
  for n in seed_counts:
    tr = trainer(spec, 1000)
    mesh = loop.seed_mesh(None, n)  # as loop.train: seeds sharded when there are several devices
    per_device = n // (1 if mesh is None else mesh.size)
    fns = tr.batched(loop.resolve_seeds_per_vmap("auto", per_device), mesh)
    state = fns.init(program.seed_keys(0, range(n)))  # placed on the mesh
    t = time.perf_counter()
    run = fns.run.lower(state, jnp.int32(1)).compile()
    compile_s = time.perf_counter() - t
    box = [state]

    def run_steps(k):
      box[0] = run(box[0], jnp.int32(k))
      jax.block_until_ready(box[0])
    steps_per_s = timing.per_second(run_steps, seconds)
    out["rows"].append(dict(seeds=n, seed_steps_per_s=n * steps_per_s,
                            gflops=n * steps_per_s * out["flops_per_step"] / 1e9,
                            compile_s=compile_s))
  out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
  return out


def _torch_net(spec):
  import torch
  if spec["name"] == "convnet":
    c, n = spec["channels"], spec["num_layers"]
    chans = [1] + [c] * (n - 1) + [1]
    layers = []
    for i, (a, b) in enumerate(zip(chans[:-1], chans[1:])):
      layers.append(torch.nn.Conv2d(a, b, 5, padding=2))
      if i < n - 1:
        layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers), torch.randn(1, 1, SIZE, SIZE)
  d, w, h = SIZE * SIZE, spec.get("width", 0), spec.get("hidden_layers", 0)
  widths = [d] + [w] * h + [d]
  layers = []
  for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
    layers.append(torch.nn.Linear(a, b))
    if i < h and spec.get("activation", "relu") == "relu":
      layers.append(torch.nn.ReLU())
  return torch.nn.Sequential(*layers), torch.randn(1, d)


def run_torch(name, seed_counts, seconds):
  """(a) eager, one seed; (b) torch.func over each seed count."""
  import copy

  import torch
  from torch.func import functional_call, grad, stack_module_state, vmap
  torch.set_num_threads(os.cpu_count())
  spec = MODELS[name]
  torch.manual_seed(0)
  net, x = _torch_net(spec)
  opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)

  def steps(k):
    for _ in range(k):
      opt.zero_grad()
      loss = torch.mean((net(x) - x) ** 2)
      loss.backward()
      opt.step()
  steps_per_s = timing.per_second(steps, seconds)
  out = dict(model=name, torch=torch.__version__, seed_steps_per_s=steps_per_s,
             gflops=steps_per_s * 6 * macs(spec) / 1e9, func={})
  for n in seed_counts:
    nets = [_torch_net(spec)[0] for _ in range(n)]
    params, buffers = stack_module_state(nets)
    base = copy.deepcopy(nets[0]).to("meta")
    loss_fn = lambda p, b, x: torch.mean((functional_call(base, (p, b), (x,)) - x) ** 2)
    grads_fn = vmap(grad(loss_fn), in_dims=(0, 0, None))
    momentum = {key: torch.zeros_like(v) for key, v in params.items()}

    def func_steps(k, params=params, buffers=buffers, momentum=momentum, grads_fn=grads_fn):
      with torch.no_grad():
        for _ in range(k):
          g = grads_fn(params, buffers, x)
          for key, v in params.items():
            momentum[key].mul_(0.9).add_(g[key])
            v.sub_(0.01 * momentum[key])
    out["func"][str(n)] = n * timing.per_second(func_steps, seconds)
  return out


def matmul_peak():
  import jax
  import jax.numpy as jnp
  a = jnp.ones((2048, 2048), jnp.float32)
  f = jax.jit(lambda a: a @ a)
  jax.block_until_ready(f(a))
  t = time.perf_counter()
  for _ in range(20):
    r = f(a)
  jax.block_until_ready(r)
  out = dict(jax_gflops=20 * 2 * 2048**3 / (time.perf_counter() - t) / 1e9)
  try:
    import torch
    torch.set_num_threads(os.cpu_count())
    b = torch.ones(2048, 2048)
    b @ b
    t = time.perf_counter()
    for _ in range(20):
      b @ b
    out["torch_gflops"] = 20 * 2 * 2048**3 / (time.perf_counter() - t) / 1e9
  except ImportError:
    pass
  return out


def child(args):
  """Runs one measurement in this process and prints it as JSON."""
  kind, name = args.child.split(":", 1) if ":" in args.child else (args.child, "")
  if kind == "jax":
    res = run_jax(name, [int(s) for s in args.seeds.split(",")], args.seconds)
  elif kind == "torch":
    res = run_torch(name, [int(s) for s in args.seeds.split(",")], args.seconds)
  else:
    res = matmul_peak()
  print("RESULT " + json.dumps(res))


def spawn(*flags, cpu_devices=1):
  env = dict(os.environ, JAX_NUM_CPU_DEVICES=str(cpu_devices))
  out = subprocess.run([sys.executable, __file__, *flags], capture_output=True, text=True,
                       timeout=1800, env=env)
  for line in out.stdout.splitlines():
    if line.startswith("RESULT "):
      return json.loads(line[7:])
  raise RuntimeError(f"benchmark child {flags} failed:\n{out.stdout[-2000:]}{out.stderr[-4000:]}")


def main():
  p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  p.add_argument("--child", default="")
  p.add_argument("--seeds", default="1,8,64")
  p.add_argument("--seconds", type=float, default=4.0, help="length of one measurement")
  p.add_argument("--models", default=",".join(MODELS))
  p.add_argument("--quick", action="store_true", help="fewer seeds and shorter measurements")
  args = p.parse_args()
  if args.child:
    return child(args)
  import jax
  seconds = "1.5" if args.quick else str(args.seconds)
  print(f"# {platform.node()} | {os.cpu_count()} cores | {platform.processor() or platform.machine()}"
        f" | jax {jax.__version__} {jax.default_backend()}")
  peak = spawn("--child", "matmul")
  print(f"# matmul peak (2048x2048 f32): jax {peak['jax_gflops']:.0f} GFLOP/s"
        + (f", torch {peak['torch_gflops']:.0f} GFLOP/s" if "torch_gflops" in peak else ""))
  cores = len(os.sched_getaffinity(0))
  split = jax.default_backend() == "cpu" and cores > 1  # identity_jax's binaries: a device per core
  print(f"# seed-steps/s on one device, and on {cores} CPU devices (one per core, seeds sharded: the "
        f"binaries' default); GFLOP/s, % peak, compile s and x torch are of the default")
  print(f"{'model':16s} {'seeds':>5s} {'1 device':>10s} {'per core':>10s} {'GFLOP/s':>8s} "
        f"{'% peak':>6s} {'compile s':>9s} {'eager s-s/s':>11s} {'func s-s/s':>10s} {'x torch':>7s} "
        f"{'peak RSS MB':>11s}")
  for name in args.models.split(","):
    big = name.startswith("convnet_20") or name.endswith("x128") or name.startswith("convnet_12")
    seeds = "1,8" if big or args.quick else args.seeds
    res = spawn("--child", f"jax:{name}", "--seeds", seeds, "--seconds", seconds)
    many = ",".join(s for s in seeds.split(",") if int(s) >= cores)
    per_core = {}
    if split and many:
      rows = spawn("--child", f"jax:{name}", "--seeds", many, "--seconds", seconds,
                   cpu_devices=cores)["rows"]
      per_core = {r["seeds"]: r for r in rows}
    try:
      ref = spawn("--child", f"torch:{name}", "--seeds", seeds, "--seconds", seconds)
    except RuntimeError as e:
      ref = None
      if "No module named 'torch'" not in str(e):
        raise
    for row in res["rows"]:
      split_row = per_core.get(row["seeds"])
      best = split_row or row
      func = None if ref is None else ref["func"].get(str(row["seeds"]))
      torch_best = None if ref is None else max(ref["seed_steps_per_s"], func or 0)
      vs = "" if ref is None else f"{best['seed_steps_per_s'] / torch_best:7.2f}"
      print(f"{name:16s} {row['seeds']:5d} {row['seed_steps_per_s']:10,.1f} "
            f"{format(split_row['seed_steps_per_s'], '10,.1f') if split_row else '':>10s} "
            f"{best['gflops']:8.1f} {100 * best['gflops'] / peak['jax_gflops']:6.0f} "
            f"{best['compile_s']:9.1f} "
            f"{'' if ref is None else format(ref['seed_steps_per_s'], '11,.1f'):>11s} "
            f"{'' if func is None else format(func, '10,.1f'):>10s} {vs:>7s} "
            f"{res['peak_rss_mb']:11.0f}", flush=True)
  # Memory must not grow with the number of steps: the same model, 1x and 10x the steps.
  rss = [spawn("--child", "jax:linear_1", "--seeds", "8", "--seconds", str(t)) for t in (1, 10)]
  print(f"# linear_1, 8 seeds: peak RSS {rss[0]['peak_rss_mb']:.0f} MB after a 1 s measurement, "
        f"{rss[1]['peak_rss_mb']:.0f} MB after a 10 s one (10x the steps)")


if __name__ == "__main__":
  main()
