# The identity-jax-studies console script, run from a checkout (python experiments/studies.py --help);
# its documentation and flags are in identity_jax/commands/studies.py.
from identity_jax.commands.studies import entry

if __name__ == "__main__":
  entry()
