r"""The quick presets' ConvNet training time under the old convolution form and the current one.

  python benchmarks/presets.py [--studies=convnet_depth,channels] [--seconds=1.0]

"Before" is conv_impl="auto" under the per-layer rule it had before the 'nhwc' form (commit 8dab261:
'rows' for long patches of 5x5 kernels, 'matmul' for short, 'flipped' without a bias); "after" is
conv_impl="auto" now (conv.resolve_impl: 'nhwc', XLA's convolution in the NHWC/HWIO layout, for
layers with 32+ channels on either side). The speed-up is before / after.
For every ConvNet cell of each study's quick preset, the cell's own training program (its model,
optimizer, seeds, images per step, image size; one CPU device per core as the binaries run) is
timed for about --seconds after compiling, both forms measured side by side, one shape after the
other. A study's time is the sum over its ConvNet cells of seeds x budget steps / measured
seed-steps per second: the time at the full budget (runs that stop when fitted take less), training
only (no compilation, evaluation or checkpoints). FCN cells are not affected by the form and not
counted. Results: benchmarks/RESULTS.md.
"""

import argparse
import importlib
import os
import platform
from unittest import mock

import timing

from identity_jax.training import host

host.use_every_core()  # as experiments/main.py: one CPU device per core, seeds sharded

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402

from identity_jax.data import suites
from identity_jax.models import conv
from identity_jax.study import cell as cell_lib
from identity_jax.study import evaluate
from identity_jax.training import loop  # noqa: E402

STUDIES = ("convnet_depth", "channels", "channels3_depth", "multi_image", "filter_size", "optimizers",
           "initializers", "test_sizes", "train_sizes", "biases", "schedules", "phase_diagram")
FORMS = {"before (auto)": "before", "after (auto)": "auto"}
MANY_IMAGES = 64  # stand-in for num_train="all": a step draws batch_size of them either way


def shape_key(c: cell_lib.Cell) -> tuple:
  """What a step's cost depends on (the optimizer's own work is negligible beside the convolutions)."""
  model = {k: v for k, v in c.record["model"].items() if k != "conv_impl"}
  k = MANY_IMAGES if c.data.num_train == "all" else c.data.num_train
  return (tuple(sorted(model.items())), c.data.image_size, k, c.train.batch_size, c.num_seeds)


def auto_before(impl, kernel_size, in_channels, out_channels, height, width, use_bias=True):
  """conv.resolve_impl's 'auto' on CPU before the 'nhwc' form (commit 8dab261)."""
  if impl != "auto":
    return impl
  rows_min_patch, rows_max_kernel = 800, 5  # the rule's constants then
  patch = kernel_size * kernel_size * in_channels
  if height * width * patch > conv._MATMUL_MAX_PATCH_ELEMENTS:
    return "xla"
  if not use_bias:
    return "flipped"
  return "rows" if patch >= rows_min_patch and kernel_size <= rows_max_kernel else "matmul"


def seed_steps_per_s(c: cell_lib.Cell, form: str, seconds: float) -> float:
  """form: 'before' (auto_before's rule) or a conv_impl."""
  if form == "before":
    with mock.patch.object(conv, "resolve_impl", auto_before):  # traced (compiled) inside
      return seed_steps_per_s(c, "auto", seconds)
  record = dict(c.record, model=dict(c.record["model"], conv_impl=form))
  c = cell_lib.Cell.parse(c.name, record)
  k = MANY_IMAGES if c.data.num_train == "all" else c.data.num_train
  x = jax.random.uniform(jax.random.key(1), (k, c.data.image_size, c.data.image_size))
  tr = evaluate.trainer(c, suites.Data(train=x, train_labels=None, suites={}, sources={}))
  mesh = loop.seed_mesh(None, c.num_seeds)
  per_device = c.num_seeds // (1 if mesh is None else mesh.size)
  fns = tr.batched(loop.resolve_seeds_per_vmap(c.train.seeds_per_vmap, per_device), mesh)
  state = fns.init(evaluate.cell_keys(c))
  run = fns.run.lower(state, jnp.int32(1)).compile()
  box = [state]

  def run_steps(k):
    box[0] = run(box[0], jnp.int32(k))
    jax.block_until_ready(box[0])
  return c.num_seeds * timing.per_second(run_steps, seconds)


def main():
  p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  p.add_argument("--studies", default=",".join(STUDIES))
  p.add_argument("--seconds", type=float, default=1.0, help="length of one measurement")
  args = p.parse_args()
  print(f"# {platform.node()} | {os.cpu_count()} cores | {platform.processor() or platform.machine()}"
        f" | jax {jax.__version__} {jax.default_backend()}, {jax.device_count()} devices")
  rates = {}  # shape -> form -> seed-steps/s, shared by the studies that train that shape
  print(f"{'study':16s} {'cells':>5s} {'shapes':>6s} " + " ".join(f"{f:>16s}" for f in FORMS)
        + f" {'speed-up':>8s}   (training at full budget, minutes)")
  totals = dict.fromkeys(FORMS, 0.0)
  first, last = list(FORMS)[0], list(FORMS)[-1]
  for study in args.studies.split(","):
    config = importlib.import_module(f"identity_jax.configs.{study}").get_config("quick")
    cells = [c for c in cell_lib.parse_all(config).values() if c.family.name == "convnet"]
    minutes = dict.fromkeys(FORMS, 0.0)
    for c in cells:
      key = shape_key(c)
      if key not in rates:
        rates[key] = {label: seed_steps_per_s(c, form, args.seconds) for label, form in FORMS.items()}
      for label in FORMS:
        minutes[label] += c.num_seeds * c.train.num_steps / rates[key][label] / 60
    for label in FORMS:
      totals[label] += minutes[label]
    shapes = len({shape_key(c) for c in cells})
    print(f"{study:16s} {len(cells):5d} {shapes:6d} "
          + " ".join(f"{minutes[f]:16.1f}" for f in FORMS)
          + f" {minutes[first] / max(minutes[last], 1e-9):7.2f}x", flush=True)
  print(f"{'all':16s} {'':5s} {len(rates):6d} " + " ".join(f"{totals[f]:16.1f}" for f in FORMS)
        + f" {totals[first] / max(totals[last], 1e-9):7.2f}x")


if __name__ == "__main__":
  main()
