r"""Lists the studies (experiment configs), their presets, cells and expected runtimes.

  python experiments/studies.py            # every study, one paragraph each
  python experiments/studies.py --study=convnet_depth   # one study's whole description
"""

import pathlib
import re

from absl import flags

from identity_jax import cli
from identity_jax.config import PRESETS, load_study, study_names, study_path

_STUDY = flags.DEFINE_string("study", None, "Show this study's full description and its cells.")


def main(argv):
  del argv
  names = [_STUDY.value] if _STUDY.value else study_names()
  modules = {name: load_study(name) for name in names}
  for name, module in modules.items():
    doc = module.__doc__.strip()
    cells = {p: len(module.get_config(p).cells) for p in PRESETS}
    runtime = re.search(r"^Runtime:.*$|^  quick .*$", doc, re.M)
    print(f"{name}: {doc.splitlines()[0]}")
    print("  presets (cells): " + ", ".join(f"{p} ({n})" for p, n in cells.items()))
    if runtime:
      print(f"  {runtime.group(0).strip()}")
    print(f"  identity-jax-run --config={_shown(study_path(name))}:quick --workdir=workdirs/{name}")
    if _STUDY.value:
      print("\n" + doc + "\n\ncells (quick): " + ", ".join(module.get_config("quick").cells))
    print()


def _shown(path: pathlib.Path) -> str:
  """The config's path relative to the working directory when it is below it (a checkout), else
  absolute (an installed package)."""
  try:
    return str(path.relative_to(pathlib.Path.cwd()))
  except ValueError:
    return str(path)


def entry():
  """The console script identity-jax-studies."""
  cli.run(main)
