# The identity-jax-run console script, run from a checkout (python experiments/main.py --help);
# its documentation and flags are in identity_jax/commands/run.py.
from identity_jax.commands.run import entry

if __name__ == "__main__":
  entry()
