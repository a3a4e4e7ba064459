r"""Trains every cell of an experiment config over its seeds; writes results and figures to --workdir.

  python experiments/main.py --config=identity_jax/configs/default.py:quick --workdir=workdirs/default \
      [--config.num_seeds=16 --config.train.num_steps=3000 ...] [--quiet]

Configs: one per study of the paper in identity_jax/configs/ (list them: python experiments/studies.py),
each with presets quick (minutes on a 2-core CPU), paper (the paper's budget) and tiny (tests).
Rerunning the same command skips finished cells and resumes an interrupted one from its checkpoint;
a workdir holding another experiment is refused. Progress goes to the console and to <workdir>/log.txt.
"""

from identity_jax.commands.run import entry

if __name__ == "__main__":
  entry()
