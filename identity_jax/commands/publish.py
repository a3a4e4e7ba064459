r"""Copies a finished workdir's data and figures into results/<study>/ (identity_jax/runs/publish.py).

  identity-jax-publish --workdir=workdirs/convnet_depth
  identity-jax-results-table      # then regenerate RESULTS.md's tables
"""


from absl import flags

from identity_jax.commands import cli
from identity_jax.runs import publish

_WORKDIR = flags.DEFINE_string("workdir", None, "A finished workdir of experiments/main.py.")
_RESULTS = flags.DEFINE_string("results", "results", "Where results/<study>/ go (default: the working "
                               "directory's, as in a checkout's root).")
_PARTIAL = flags.DEFINE_bool("partial", False, "Publish a study whose cells have not all finished "
                             "(its summary.json must cover the finished ones: redraw it first).")
flags.mark_flag_as_required("workdir")


def main(argv):
  del argv
  print(f"published to {publish.publish(_WORKDIR.value, _RESULTS.value, _PARTIAL.value)}")


def entry():
  """The console script identity-jax-publish."""
  cli.run(main)
