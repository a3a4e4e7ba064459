r"""Writes least_loss.json: per seed, the least training loss the cell's trainable parameters can reach
(a closed form; identity_jax/analyses/reachable.py says where one applies and why).

  identity-jax-least-loss --workdir=results/two_layer_relu

A seed whose least reachable loss is above the fit tolerance cannot fit at any budget.
"""

from absl import flags

from identity_jax.analyses import reachable
from identity_jax.commands import cli
from identity_jax.study import paths

_WORKDIR = flags.DEFINE_string("workdir", None, "A study's workdir or results/<study> directory.")
flags.mark_flags_as_required(["workdir"])


def main(argv):
  del argv
  reachable.write(_WORKDIR.value)
  print(f"wrote {_WORKDIR.value}/{paths.LEAST_LOSS}")


def entry():
  """The console script identity-jax-least-loss."""
  cli.run(main)
