# The identity-jax-compare-runs console script, run from a checkout
# (python experiments/compare_runs.py --help); its documentation and flags are in
# identity_jax/commands/compare_runs.py.
from identity_jax.commands.compare_runs import entry

if __name__ == "__main__":
  entry()
