r"""Layer-wise analyses (Appendices F-H) of the cells in an experiment's workdir, for a batch of seeds.

  python experiments/analyze.py --workdir=workdirs/default [--cells=convnet_5,relu_fcn_5 --max_seeds=4]

Uses the parameters the experiment saved (train.save_params), or retrains a cell from its recorded
config when they are missing. Writes analyses.json / analyses.npz and the figures next to them
(see identity_jax/analyses/report.py).
"""

from identity_jax.commands.analyze import entry

if __name__ == "__main__":
  entry()
