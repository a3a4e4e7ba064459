r"""Redraws every figure of a workdir from its saved results, without training: recomputes
summary.json and per_seed.jsonl from the cells' result files, draws the experiment's figures, and
the layer-wise analyses' figures when experiments/analyze.py has run there.

  python experiments/plot.py --workdir=workdirs/default
"""

from identity_jax.commands.plot import entry

if __name__ == "__main__":
  entry()
