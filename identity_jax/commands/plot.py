r"""Redraws every figure of a workdir from its saved results, without training: recomputes
summary.json and per_seed.jsonl from the cells' result files, draws the experiment's figures, and
the layer-wise analyses' figures when identity-jax-analyze has run there.

  identity-jax-plot --workdir=workdirs/default      (python experiments/plot.py in a checkout)

With --compare, sets several workdirs (or results/<study> directories) side by side instead: their
cells grouped by their study (or a config field: --group_by) along the first one's sweep,
drawn as one phase strip (phase.png) and sweep figures (sweep_corr.png, sweep_mse.png) into --out:

  identity-jax-plot --compare=results/plain_depth,results/residual_depth,results/normalized_depth \
      --out=results/families_depth
"""

import pathlib

from absl import flags

from identity_jax.commands import cli
from identity_jax.reporting import figure_registry
from identity_jax.runs import experiment
from identity_jax.study import paths, workdir
from identity_jax.study import summary as summary_lib

_WORKDIR = flags.DEFINE_string("workdir", None, "A workdir written by identity-jax-run.")
_COMPARE = flags.DEFINE_list("compare", [], "Workdirs to set side by side (instead of --workdir).")
_GROUP_BY = flags.DEFINE_string("group_by", "study", "--compare: the config field of a row "
                                 "('study': the workdir's study).")
_OUT = flags.DEFINE_string("out", None, "--compare: the directory the figures go to.")
flags.register_multi_flags_validator(
    ["workdir", "compare", "out"], lambda f: bool(f["workdir"]) != bool(f["compare"])
    and bool(f["compare"]) == bool(f["out"]),
    "give either --workdir, or --compare with --out")
COMPARED = ("phase.png", "sweep_corr.png", "sweep_mse.png")


def compare(roots, group_by: str, out) -> list[str]:
  """Draws COMPARED for the studies at `roots` side by side into `out`; returns the files written."""
  study = summary_lib.side_by_side(
      [summary_lib.load_study(r, with_arrays=False) for r in roots], group_by)
  out = pathlib.Path(out)
  out.mkdir(parents=True, exist_ok=True)
  figures = [(f.name, f.draw(study)) for f in figure_registry.STUDY_FIGURES if f.name in COMPARED]
  return workdir.save_figures(figures, out)


def main(argv):
  del argv
  if _COMPARE.value:
    written = compare(_COMPARE.value, _GROUP_BY.value, _OUT.value)
    print(f"drew in {_OUT.value}: {', '.join(written)}")
    return
  root = pathlib.Path(_WORKDIR.value)
  written = experiment.redraw(root)
  if (root / paths.ANALYSES).is_file():
    analyzed = [c for c in workdir.read_json(root / paths.ANALYSES) if (paths.cell_dir(root, c)).is_dir()]
    written += figure_registry.draw_analyses(root, analyzed)
  print(f"redrew in {root}: {', '.join(written)}")


def entry():
  """The console script identity-jax-plot."""
  cli.run(main)
