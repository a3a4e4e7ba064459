r"""Lists the studies (experiment configs), their presets, cells and expected runtimes.

  identity-jax-studies                         # every study, one paragraph each
  identity-jax-studies --study=convnet_depth   # one study's whole description
(`python experiments/studies.py` in a checkout.) Config paths are printed in full, as installed.
"""

import re

from absl import flags

from identity_jax.commands import cli
from identity_jax.study.config import PRESETS, load_study, study_names, study_path

_STUDY = flags.DEFINE_string("study", None, "Show this study's full description and its cells.")


def main(argv):
  del argv
  names = [_STUDY.value] if _STUDY.value else study_names()
  modules = {name: load_study(name) for name in names}
  for name, module in modules.items():
    doc = module.__doc__.strip()
    cells = {p: len(module.get_config(p).cells) for p in PRESETS}
    # The whole "Runtime:" paragraph (up to a blank line or the next "Field:"), or the quick line.
    runtime = re.search(r"^Runtime:.*?(?=\n\s*\n|\n[A-Z][\w ()]*:|\Z)|^  quick .*$", doc, re.M | re.S)
    print(f"{name}: {doc.splitlines()[0]}")
    print("  presets (cells): " + ", ".join(f"{p} ({n})" for p, n in cells.items()))
    if runtime:
      print(f"  {' '.join(runtime.group(0).split())}")
    print(f"  identity-jax-run --config={study_path(name).resolve()}:quick --workdir=workdirs/{name}")
    if _STUDY.value:
      print("\n" + doc + "\n\ncells (quick): " + ", ".join(module.get_config("quick").cells))
    print()


def entry():
  """The console script identity-jax-studies."""
  cli.run(main)
