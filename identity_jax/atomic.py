"""Atomic file writes: the bytes go to a temporary file beside the target, renamed over it once
whole, so a crash leaves the old file or the new one, never half of one. Below data/, training/
and study/, which write their files (results, checkpoint times, downloads) this way (orbax writes
the checkpoints themselves)."""

import contextlib
import json
import os
import pathlib
import tempfile

from identity_jax.errors import WriteError


def write_json(path, obj) -> None:
  write_bytes(path, (json.dumps(obj, indent=1, sort_keys=True, default=jsonable) + "\n").encode())


def write_bytes(path, data: bytes) -> None:
  """A failed write (read-only disk, no permission, disk full) leaves the previous file and no
  temporary one, and raises a WriteError naming `path`."""
  path = pathlib.Path(path)
  tmp = None
  try:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, prefix=f".{path.name}.") as f:
      tmp = f.name
      f.write(data)
    # mkstemp creates 0600; results are for collaborators too, as any file the user creates.
    os.chmod(tmp, 0o666 & ~_umask())
    os.replace(tmp, path)
  except OSError as e:
    if tmp is not None:
      with contextlib.suppress(OSError):
        os.unlink(tmp)
    raise WriteError(
        f"cannot write {path}: {e.strerror or e}",
        "make its directory writable or free space on its disk, then rerun the same command: the "
        "previous file and every result written before are kept") from None


def jsonable(x):
  """json's `default`: numpy arrays and scalars as lists and numbers."""
  if hasattr(x, "tolist"):
    return x.tolist()
  raise TypeError(f"not JSON serializable: {type(x)}")


def _umask() -> int:
  mask = os.umask(0)
  os.umask(mask)
  return mask
