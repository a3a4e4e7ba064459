"""What every binary shares: flag parsing and errors in the one style of errors.py (a line saying
what is wrong, a line saying how to fix it, exit status 2, no traceback), quiet library logs, and a
CPU split into one device per core (host.py) before jax starts."""

import pathlib
import re
import sys

from absl import app, flags, logging

from identity_jax.errors import IdentityJaxError
from identity_jax.training import host

_CPU_DEVICES = flags.DEFINE_integer(
    "cpu_devices", 0, "XLA CPU devices to split this machine into; seeds are sharded over them. "
    "0: one per core (small models train up to 2x faster on 2 cores); 1: one device, as plain jax. "
    "Ignored when XLA_FLAGS or JAX_NUM_CPU_DEVICES set a count, and on GPU/TPU.")

CONFIGS = pathlib.Path(__file__).resolve().parents[1] / "configs"  # installed with the package
FLAG_FIX = (f"see the flags with --help, the config's fields in its file under {CONFIGS}/, and the "
            "studies and presets with: identity-jax-studies")
CONFIG_FIX = (f"give --config=FILE:PRESET with FILE a config file, e.g. {CONFIGS}/default.py:quick; "
              "identity-jax-studies lists every study's config path")


def fail(problem: str, fix: str):
  print(f"error: {problem}\n  fix: {fix}", file=sys.stderr)
  sys.exit(2)


def _innermost(e: BaseException) -> BaseException:
  while e.__cause__ is not None or e.__context__ is not None:
    e = e.__cause__ or e.__context__
  return e


def _config_file(argv) -> str:
  """The file of --config=FILE[:PRESET] (or '--config FILE'), '' when not given."""
  for i, arg in enumerate(argv[1:], 1):
    value = arg[len("--config="):] if arg.startswith("--config=") else \
        argv[i + 1] if arg == "--config" and i + 1 < len(argv) else None
    if value is not None:
      return value.split(":")[0]
  return ""


def _parse(argv):
  config_file = _config_file(argv)
  if config_file and not pathlib.Path(config_file).is_file():  # ml_collections says so garbled, late
    fail(f"--config file {config_file} does not exist", CONFIG_FIX)
  try:
    return flags.FLAGS(argv)
  except Exception as e:  # noqa: BLE001 (absl and ml_collections raise many kinds; all are reported)
    inner = _innermost(e)
    if isinstance(inner, IdentityJaxError):
      fail(inner.problem, inner.fix)
    problem = str(inner).strip().strip('"\'')
    if "get_config" in problem:
      fail(f"--config file {config_file} defines no get_config(preset)",
           f"name a study config (they define get_config): {CONFIGS}/<study>.py:<preset>")
    number = re.search(r"invalid literal for (int)\(\)|could not convert string to (float)", problem)
    if isinstance(inner, ValueError) and number:  # a number field given something else
      given = [a.split("=", 1) for a in argv[1:] if a.startswith("--") and "=" in a]
      name, value = next(((n, v) for n, v in given if v and v in str(inner)), ("a flag", "?"))
      kind = "a whole number" if number.group(1) else "a number"
      fail(f"{name} = {value!r} is not {kind}", f"give {name} {kind}, e.g. {name}=16")
    if isinstance(inner, SyntaxError):  # a value ml_collections could not read, e.g. an open quote
      fail(f"bad flag value: {inner.msg} in {inner.text!r}" if inner.text else f"bad flag: {problem}",
           "quote a config value whole for the shell, e.g. --config.data.rhos=\"(0.0, 0.5, 1.0)\" "
           "or --config.optim.name=adam")
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
    except OSError as e:
      if "config file" in str(e):  # ml_collections defers a config file's load error to its first use
        fail(f"cannot load the config: {' '.join(str(e).split())}", CONFIG_FIX)
      # Unwritable or full disk, a file vanished: files written before are whole (writes are atomic).
      where = f" {e.filename}" if e.filename else ""
      fail(f"cannot access{where}: {e.strerror or e}",
           "check that the path exists, is writable and its disk has free space, then rerun the "
           "same command: results written before are kept and finished cells are skipped")
    except MemoryError:
      fail("out of host memory", "train fewer seeds at once: --config.train.seed_chunk=N "
           "(same results), or fewer seeds")
  app.run(wrapped, flags_parser=_parse)
