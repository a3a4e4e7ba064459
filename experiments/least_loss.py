# The identity-jax-least-loss console script, run from a checkout
# (python experiments/least_loss.py --help); its documentation and flags are in
# identity_jax/commands/least_loss.py.
from identity_jax.commands.least_loss import entry

if __name__ == "__main__":
  entry()
