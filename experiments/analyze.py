# The identity-jax-analyze console script, run from a checkout (python experiments/analyze.py --help);
# its documentation and flags are in identity_jax/commands/analyze.py.
from identity_jax.commands.analyze import entry

if __name__ == "__main__":
  entry()
