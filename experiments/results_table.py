# The identity-jax-results-table console script, run from a checkout
# (python experiments/results_table.py --help); its documentation and flags are in
# identity_jax/commands/results_table.py. Paths default to this checkout's.
import pathlib

from absl import flags

from identity_jax.commands.results_table import entry

if __name__ == "__main__":
  _ROOT = pathlib.Path(__file__).resolve().parents[1]
  flags.FLAGS.set_default("results", str(_ROOT / "results"))
  flags.FLAGS.set_default("results_md", str(_ROOT / "RESULTS.md"))
  entry()
