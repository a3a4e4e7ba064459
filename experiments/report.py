# The identity-jax-report console script, run from a checkout (python experiments/report.py --help);
# its documentation and flags are in identity_jax/commands/report.py.
from identity_jax.commands.report import entry

if __name__ == "__main__":
  entry()
