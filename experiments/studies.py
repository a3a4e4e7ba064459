r"""Lists the studies (experiment configs), their presets, cells and expected runtimes.

  python experiments/studies.py            # every study, one paragraph each
  python experiments/studies.py --study=convnet_depth   # one study's whole description
"""

from identity_jax.commands.studies import entry

if __name__ == "__main__":
  entry()
