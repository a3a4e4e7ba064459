"""One error style for every bad input: what is wrong, then how to fix it."""


class IdentityJaxError(Exception):
  """Base class: a problem the user can fix. Binaries print it without a traceback."""

  def __init__(self, problem: str, fix: str):
    self.problem = problem
    self.fix = fix
    super().__init__(f"{problem}\n  fix: {fix}")


class ConfigError(IdentityJaxError, ValueError):
  """A config value is unknown or out of range."""


class DataError(IdentityJaxError):
  """A dataset is missing or a data file is corrupt."""


class MissingDataError(DataError):
  """No copy of a dataset was found anywhere (as opposed to a corrupt one)."""


class ResultsMdError(IdentityJaxError, ValueError):
  """RESULTS.md asks for a table or a value that its markers or results/ cannot give."""


class WorkdirError(IdentityJaxError):
  """The workdir holds results that this run must not touch."""


class WriteError(IdentityJaxError):
  """A file (result, checkpoint time, figure, download) could not be written: read-only disk, no
  permission, disk full. The file written before it is kept."""


def check_choice(field: str, value, choices) -> None:
  if value not in choices:
    raise ConfigError(
        f"unknown {field} {value!r}",
        f"set {field} to one of: {', '.join(map(str, sorted(choices)))}")


def is_count(value) -> bool:
  """An int, and not a bool (bool is a subclass of int)."""
  return isinstance(value, int) and not isinstance(value, bool)


def check_count(field: str, value, minimum: int = 0, fix: str = "") -> None:
  if not is_count(value) or value < minimum:
    raise ConfigError(f"{field} = {value!r} is not an integer >= {minimum}",
                      fix or f"set {field} to an integer >= {minimum}")


def check_flag(field: str, value, fix: str = "") -> None:
  if not isinstance(value, bool):
    raise ConfigError(f"{field} = {value!r} is not True or False",
                      fix or f"set {field} to True or False")


def check_positive(field: str, value, integer: bool = False) -> None:
  ok = is_count(value) if integer else (is_count(value) or isinstance(value, float))
  if not ok or not value > 0:
    what = "a positive integer" if integer else "a positive number"
    raise ConfigError(f"{field} = {value!r} is not {what}",
                      f"set {field} to {what}")
