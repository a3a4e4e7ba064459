r"""Redraws every figure of a workdir from its saved results (no training), after recomputing
summary.json and per_seed.jsonl from the cells' result files.

  python experiments/plot.py --workdir=workdirs/default
"""

import sys

from absl import app, flags

from identity_jax import experiment
from identity_jax.errors import IdentityJaxError

_WORKDIR = flags.DEFINE_string("workdir", None, "A workdir written by experiments/main.py.")
flags.mark_flag_as_required("workdir")


def main(argv):
  del argv
  try:
    written = experiment.redraw(_WORKDIR.value)
  except IdentityJaxError as e:
    print(f"error: {e}", file=sys.stderr)
    sys.exit(2)
  print(f"redrew in {_WORKDIR.value}: {', '.join(written)}")


if __name__ == "__main__":
  app.run(main)
