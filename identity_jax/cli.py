"""What every binary shares: flag parsing and errors in the one style of errors.py (a line saying
what is wrong, a line saying how to fix it, exit status 2, no traceback), quiet library logs, and a
CPU split into one device per core (host.py) before jax starts."""

import sys

from absl import app, flags, logging

from identity_jax import host
from identity_jax.errors import IdentityJaxError

_CPU_DEVICES = flags.DEFINE_integer(
    "cpu_devices", 0, "XLA CPU devices to split this machine into; seeds are sharded over them. "
    "0: one per core (small models train up to 2x faster on 2 cores); 1: one device, as plain jax. "
    "Ignored when XLA_FLAGS or JAX_NUM_CPU_DEVICES set a count, and on GPU/TPU.")

FLAG_FIX = ("see the flags with --help, the config's fields in its file under identity_jax/configs/, "
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


def _document(command) -> None:
  """--help lists the flags of the module defining `command` and shows its docstring, whether it
  runs as experiments/<name>.py or as a console script (absl documents sys.argv[0]'s flags)."""
  module = sys.modules[command.__module__]
  for flag in flags.FLAGS.get_key_flags_for_module(module):
    flags.FLAGS.register_key_flag_for_module(sys.argv[0], flag)
  main_module = sys.modules["__main__"]
  if not main_module.__doc__:
    main_module.__doc__ = module.__doc__


def run(main):
  """app.run(main) with flag errors and IdentityJaxErrors reported in the one style."""
  _document(main)
  def wrapped(argv):
    if not flags.FLAGS["verbosity"].present:  # library INFO lines (orbax, XLA) drown the progress
      logging.set_verbosity(logging.WARNING)
    if _CPU_DEVICES.value < 0:
      fail(f"--cpu_devices = {_CPU_DEVICES.value} is negative",
           "use 0 (one device per core) or a positive count (1: a single device)")
    host.use_every_core(_CPU_DEVICES.value)
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
