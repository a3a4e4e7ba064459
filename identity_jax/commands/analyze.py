r"""Layer-wise analyses (Appendices F-H) of the cells in an experiment's workdir, for a batch of seeds.

  identity-jax-analyze --workdir=workdirs/default [--cells=convnet_5,relu_fcn_5 --max_seeds=4]
(python experiments/analyze.py in a checkout.)

Uses the parameters the experiment saved (train.save_params), or retrains a cell from its recorded
config when they are missing. Writes analyses.json / analyses.npz and the figures next to them
(see identity_jax/analyses/run.py); --cells adds or redoes those cells and keeps the others'
analyses while their cells' results are unchanged.
"""

from absl import flags

from identity_jax.analyses import run
from identity_jax.commands import cli
from identity_jax.reporting import figure_registry

_WORKDIR = flags.DEFINE_string("workdir", None, "Workdir of a finished experiment.")
_CELLS = flags.DEFINE_list("cells", [], "Cells to analyze (default: every finished cell).")
_MAX_SEEDS = flags.DEFINE_integer("max_seeds", 4, "Seeds per cell to analyze (the first ones).")
flags.mark_flags_as_required(["workdir"])
flags.adopt_module_key_flags(cli)  # --cpu_devices in --help


def main(argv):
  del argv
  analyzed = run.analyze(_WORKDIR.value, _CELLS.value or None, _MAX_SEEDS.value)
  written = figure_registry.draw_analyses(_WORKDIR.value, analyzed)
  print(f"analyses in {_WORKDIR.value}: " + ", ".join(written))


def entry():
  """The console script identity-jax-analyze."""
  cli.run(main)
