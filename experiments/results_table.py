r"""Rewrites the generated tables of RESULTS.md (the claims, and every cell) from results/ alone.

  python experiments/results_table.py           # rewrite RESULTS.md's tables from results/<study>/
  python experiments/results_table.py --check   # exit 1 when RESULTS.md differs from what results/ give

The prose around the tables is hand-written and kept; every number in the tables, and every number
the prose marks as `<!--v study/cell/field-->...<!--/v-->`, comes from results/<study>/
(identity_jax/reporting/claims.py says how, and how each verdict is computed).
"""

import difflib
import pathlib
import sys

from absl import flags

from identity_jax.commands import cli
from identity_jax.reporting import claims

_ROOT = pathlib.Path(__file__).resolve().parents[1]
_RESULTS = flags.DEFINE_string("results", str(_ROOT / "results"), "Directory of results/<study>/.")
_MD = flags.DEFINE_string("results_md", str(_ROOT / "RESULTS.md"), "The file holding the tables.")
_CHECK = flags.DEFINE_bool("check", False, "Only compare: exit 1, with a diff, if the file is stale.")


def main(argv):
  del argv
  path = pathlib.Path(_MD.value)
  old = path.read_text()
  new = claims.render(old, claims.load(_RESULTS.value))  # a ResultsMdError names the fix
  if _CHECK.value:
    if new != old:
      sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), new.splitlines(True),
                                                 str(path), "from results/"))
      print(f"\n{path} is stale: run python experiments/results_table.py", file=sys.stderr)
      sys.exit(1)
    print(f"{path} matches {_RESULTS.value}")
  elif new != old:
    path.write_text(new)
    print(f"rewrote the tables of {path}")
  else:
    print(f"{path} already matches {_RESULTS.value}")


if __name__ == "__main__":
  cli.run(main)
