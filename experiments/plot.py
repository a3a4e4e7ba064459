r"""Redraws every figure of a workdir from its saved results, without training: recomputes
summary.json and per_seed.jsonl from the cells' result files, draws the experiment's figures, and
the layer-wise analyses' figures when experiments/analyze.py has run there.

  python experiments/plot.py --workdir=workdirs/default
"""

import pathlib
import sys

from absl import app, flags

from identity_jax import experiment, workdir
from identity_jax.analyses import report
from identity_jax.errors import IdentityJaxError

_WORKDIR = flags.DEFINE_string("workdir", None, "A workdir written by experiments/main.py.")
flags.mark_flag_as_required("workdir")


def main(argv):
  del argv
  root = pathlib.Path(_WORKDIR.value)
  try:
    written = experiment.redraw(root)
    if (root / "analyses.json").is_file():
      analyzed = [c for c in workdir.read_json(root / "analyses.json") if (root / "cells" / c).is_dir()]
      written += report.draw(root, analyzed)
  except IdentityJaxError as e:
    print(f"error: {e}", file=sys.stderr)
    sys.exit(2)
  print(f"redrew in {root}: {', '.join(written)}")


if __name__ == "__main__":
  app.run(main)
