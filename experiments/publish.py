# The identity-jax-publish console script, run from a checkout
# (python experiments/publish.py --help); its documentation and flags are in
# identity_jax/commands/publish.py. Paths default to this checkout's.
import pathlib

from absl import flags

from identity_jax.commands.publish import entry

if __name__ == "__main__":
  flags.FLAGS.set_default("results", str(pathlib.Path(__file__).resolve().parents[1] / "results"))
  entry()
