r"""Rewrites the generated tables of RESULTS.md (the claims, and every cell) from results/ alone.

  identity-jax-results-table           # rewrite RESULTS.md's tables from results/<study>/
  identity-jax-results-table --check   # exit 1 when RESULTS.md differs from what results/ give

The prose around the tables is hand-written and kept; every number in the tables, and every number
the prose marks as `<!--v study/cell/field-->...<!--/v-->`, comes from results/<study>/
(identity_jax/reporting/claims.py says how, and how each verdict is computed).
"""

import difflib
import pathlib
import sys

from absl import flags

from identity_jax import atomic
from identity_jax.commands import cli
from identity_jax.errors import ResultsMdError
from identity_jax.reporting import claims, tables

_RESULTS = flags.DEFINE_string("results", "results", "Directory of results/<study>/ (default: the "
                               "working directory's, as in a checkout's root).")
_MD = flags.DEFINE_string("results_md", "RESULTS.md", "The file holding the tables.")
_CHECK = flags.DEFINE_bool("check", False, "Only compare: exit 1, with a diff, if the file is stale.")


def main(argv):
  del argv
  path = pathlib.Path(_MD.value)
  if not path.is_file():
    raise ResultsMdError(f"no {path} here to hold the tables",
                         "run it in a checkout's root, or pass --results_md and --results")
  old = path.read_text(encoding="utf-8")
  new = tables.render(old, claims.load(_RESULTS.value))  # a ResultsMdError names the fix
  if _CHECK.value:
    if new != old:
      sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), new.splitlines(True),
                                                 str(path), "from results/"))
      print(f"\n{path} is stale: run identity-jax-results-table", file=sys.stderr)
      sys.exit(1)
    print(f"{path} matches {_RESULTS.value}")
  elif new != old:
    atomic.write_bytes(path, new.encode("utf-8"))  # a failed write leaves the old file whole
    print(f"rewrote the tables of {path}")
  else:
    print(f"{path} already matches {_RESULTS.value}")


def entry():
  """The console script identity-jax-results-table."""
  cli.run(main)
