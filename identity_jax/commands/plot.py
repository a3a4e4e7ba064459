r"""Redraws every figure of a workdir from its saved results, without training: recomputes
summary.json and per_seed.jsonl from the cells' result files, draws the experiment's figures, and
the layer-wise analyses' figures when identity-jax-analyze has run there.

  identity-jax-plot --workdir=workdirs/default      (python experiments/plot.py in a checkout)
"""

import pathlib

from absl import flags

from identity_jax.commands import cli
from identity_jax.reporting import figure_registry
from identity_jax.runs import experiment
from identity_jax.study import paths, workdir

_WORKDIR = flags.DEFINE_string("workdir", None, "A workdir written by identity-jax-run.")
flags.mark_flag_as_required("workdir")


def main(argv):
  del argv
  root = pathlib.Path(_WORKDIR.value)
  written = experiment.redraw(root)
  if (root / paths.ANALYSES).is_file():
    analyzed = [c for c in workdir.read_json(root / paths.ANALYSES) if (paths.cell_dir(root, c)).is_dir()]
    written += figure_registry.draw_analyses(root, analyzed)
  print(f"redrew in {root}: {', '.join(written)}")


def entry():
  """The console script identity-jax-plot."""
  cli.run(main)
