"""What every binary shares: flag parsing and errors in the one style of errors.py (a line saying
what is wrong, a line saying how to fix it, exit status 2, no traceback), and quiet library logs."""

import sys

from absl import app, flags, logging

from identity_jax.errors import IdentityJaxError

FLAG_FIX = ("see the flags with --help, the config's fields in its file under experiments/configs/, "
            "and the studies and presets with: python experiments/studies.py")


def fail(problem: str, fix: str):
  print(f"error: {problem}\n  fix: {fix}", file=sys.stderr)
  sys.exit(2)


def _innermost(e: BaseException) -> BaseException:
  while e.__cause__ is not None or e.__context__ is not None:
    e = e.__cause__ or e.__context__
  return e


def _parse(argv):
  try:
    return flags.FLAGS(argv)
  except Exception as e:  # noqa: BLE001 (absl and ml_collections raise many kinds; all are reported)
    inner = _innermost(e)
    if isinstance(inner, IdentityJaxError):
      fail(inner.problem, inner.fix)
    problem = str(inner).strip().strip('"\'')
    if isinstance(inner, (AttributeError, KeyError)):  # ml_collections: an unknown config field
      problem = f"the config has no field {problem}"
    fail(f"bad flag: {problem}", FLAG_FIX)


def run(main):
  """app.run(main) with flag errors and IdentityJaxErrors reported in the one style."""
  def wrapped(argv):
    if not flags.FLAGS["verbosity"].present:  # library INFO lines (orbax, XLA) drown the progress
      logging.set_verbosity(logging.WARNING)
    try:
      main(argv)
    except IdentityJaxError as e:
      fail(e.problem, e.fix)
    except OSError as e:  # ml_collections defers a config file's load error to its first use
      if "config file" not in str(e):
        raise
      fail(f"cannot load the config: {' '.join(str(e).split())}",
           "check the --config path; python experiments/studies.py lists the study configs")
  app.run(wrapped, flags_parser=_parse)
