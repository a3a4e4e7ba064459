# The identity-jax-plot console script, run from a checkout (python experiments/plot.py --help);
# its documentation and flags are in identity_jax/commands/plot.py.
from identity_jax.commands.plot import entry

if __name__ == "__main__":
  entry()
