"""A workdir holds one experiment. Results already in it are never overwritten or deleted.

`experiment.json` marks a workdir as ours and records, per finished or started cell, the exact config
it was trained with. A rerun with the same config skips finished cells; a config that differs in any
cell already there, or another experiment's name, is refused before anything is written.
"""

import contextlib
import datetime
import fcntl
import hashlib
import io
import json
import os
import pathlib
import socket
import tempfile

import numpy as np

from identity_jax.errors import WorkdirError

MARKER = "experiment.json"
LOCK = ".lock"  # in the workdir (marker and tables) and in each cell's directory (its training)


@contextlib.contextmanager
def lock(path, wait: bool = True):
  """An exclusive lock (fcntl) on the file `path`, held for the block and released when the process
  ends, however it ends. Yields None when taken; with wait=False, when another process holds it,
  yields who holds it ('pid P on HOST since T') instead, without taking it."""
  path = pathlib.Path(path)
  path.parent.mkdir(parents=True, exist_ok=True)
  with open(path, "a+") as f:
    try:
      fcntl.flock(f, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except BlockingIOError:
      f.seek(0)
      yield f.read().strip() or "another process"
      return
    f.seek(0)
    f.truncate()
    stamp = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    f.write(f"pid {os.getpid()} on {socket.gethostname()} since {stamp}\n")
    f.flush()
    yield None


def fingerprint(obj) -> str:
  return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()[:16]


def dotted(record: dict, key: str):
  """A field of a recorded config by its dotted name, e.g. dotted(config, 'model.num_layers')."""
  for part in key.split("."):
    record = record[part]
  return record


def write_json(path, obj) -> None:
  """Atomic write: a crash leaves the old file or the new one, never half of one."""
  write_bytes(path, (json.dumps(obj, indent=1, sort_keys=True, default=_jsonable) + "\n").encode())


def write_bytes(path, data: bytes) -> None:
  path = pathlib.Path(path)
  path.parent.mkdir(parents=True, exist_ok=True)
  with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, prefix=f".{path.name}.") as tmp:
    tmp.write(data)
  # mkstemp creates 0600; results are for collaborators too, as any file the user creates.
  os.chmod(tmp.name, 0o666 & ~_umask())
  os.replace(tmp.name, path)


def _umask() -> int:
  mask = os.umask(0)
  os.umask(mask)
  return mask


def write_npz(path, arrays: dict, compressed: bool = True) -> None:
  """Atomic .npz write of named arrays (compression pays for images, not for random weights)."""
  buf = io.BytesIO()
  (np.savez_compressed if compressed else np.savez)(buf, **{k: np.asarray(v) for k, v in arrays.items()})
  write_bytes(path, buf.getvalue())


def read_json(path):
  return json.loads(pathlib.Path(path).read_text())


def _jsonable(x):
  if hasattr(x, "tolist"):
    return x.tolist()
  raise TypeError(f"not JSON serializable: {type(x)}")


def _diff(old, new, prefix="") -> list[str]:
  out = []
  for key in sorted(set(old) | set(new)):
    a, b = old.get(key, "<absent>"), new.get(key, "<absent>")
    if isinstance(a, dict) and isinstance(b, dict):
      out += _diff(a, b, f"{prefix}{key}.")
    elif a != b:
      out.append(f"{prefix}{key}: {a!r} -> {b!r}")
  return out


def claim(workdir, name: str, cells: dict, upgrade=lambda config: config) -> set:
  """Checks that `workdir` may hold experiment `name` with these cells (cell name -> resolved config).
  upgrade: maps a recorded config to today's spelling of the same settings (cell.upgrade).

  Returns the names of cells already finished there (to be skipped). Raises WorkdirError, having
  written nothing, when the workdir holds anything else.
  """
  root = pathlib.Path(workdir)
  fix_new = f"choose a new --workdir, or move {root} away if its results are no longer needed"
  if root.exists() and not root.is_dir():
    raise WorkdirError(f"workdir {root} is a file", fix_new)
  marker = root / MARKER
  if not marker.is_file():
    if root.exists() and any(p.name != LOCK for p in root.iterdir()):  # the lock: a job recording
      raise WorkdirError(f"workdir {root} is not empty and holds no identity_jax experiment", fix_new)
    return set()
  try:
    recorded = read_json(marker)
  except (OSError, ValueError) as e:
    raise WorkdirError(f"{marker} is unreadable ({e})", fix_new) from e
  if recorded.get("name") != name:
    raise WorkdirError(
        f"workdir {root} holds results of experiment {recorded.get('name')!r}, not {name!r}", fix_new)
  finished = set()
  for cell, config in cells.items():
    old = recorded.get("cells", {}).get(cell)
    if old is None:
      continue
    if fingerprint(upgrade(old["config"])) != fingerprint(config):
      changes = "; ".join(_diff(upgrade(old["config"]), config)[:8])
      raise WorkdirError(
          f"workdir {root} already holds cell {cell!r} trained with another config ({changes})",
          fix_new + ", or give the changed cell a new name")
    if (root / "cells" / cell / "result.json").is_file():
      finished.add(cell)
  return finished


def record(workdir, name: str, cells: dict, extra: dict) -> None:
  """Adds these cells to the workdir's marker, keeping every cell recorded before."""
  marker = pathlib.Path(workdir) / MARKER
  recorded = read_json(marker) if marker.is_file() else {"name": name, "cells": {}}
  for cell, config in cells.items():
    recorded["cells"][cell] = {"fingerprint": fingerprint(config), "config": config}
  recorded.update(extra)
  write_json(marker, recorded)
