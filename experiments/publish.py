r"""Copies a finished workdir's data and figures into results/<study>/ (identity_jax/runs/publish.py).

  python experiments/publish.py --workdir=workdirs/convnet_depth
  python experiments/results_table.py      # then regenerate RESULTS.md's tables
"""

import pathlib

from absl import flags

from identity_jax.commands import cli
from identity_jax.runs import publish

_WORKDIR = flags.DEFINE_string("workdir", None, "A finished workdir of experiments/main.py.")
_RESULTS = flags.DEFINE_string("results", str(pathlib.Path(__file__).resolve().parents[1] / "results"),
                               "Where results/<study>/ go.")
_PARTIAL = flags.DEFINE_bool("partial", False, "Publish a study whose cells have not all finished "
                             "(its summary.json must cover the finished ones: redraw it first).")
flags.mark_flag_as_required("workdir")


def main(argv):
  del argv
  print(f"published to {publish.publish(_WORKDIR.value, _RESULTS.value, _PARTIAL.value)}")


if __name__ == "__main__":
  cli.run(main)
