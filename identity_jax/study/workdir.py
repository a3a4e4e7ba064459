"""A workdir holds one experiment. Results already in it are never deleted or changed (seeds added to
a finished cell rewrite its files with the stored seeds as they were).

`experiment.json` marks a workdir as ours and records, per finished or started cell, the exact config
it was trained with. A rerun with the same config skips finished cells; a config that differs in any
cell already there, or another experiment's name, is refused before anything is written. One change
is not refused: more seeds for a finished cell (its num_seeds raised), which trains only the new ones.
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
import zipfile

import numpy as np

from identity_jax.atomic import jsonable, write_bytes, write_json
from identity_jax.errors import WorkdirError
from identity_jax.study import paths


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


def save_figure(fig, path, dpi: int) -> None:
  """A matplotlib figure as PNG, written atomically (write_bytes)."""
  buf = io.BytesIO()
  fig.savefig(buf, format="png", dpi=dpi)
  write_bytes(path, buf.getvalue())


def save_figures(figures, root, dpi: int = 110) -> list[str]:
  """(file name, figure or None) pairs saved into `root` and closed; returns the names written."""
  import matplotlib.pyplot as plt  # lazily: most users of this module draw nothing
  written = []
  for name, fig in figures:
    if fig is not None:
      save_figure(fig, pathlib.Path(root) / name, dpi)
      plt.close(fig)
      written.append(name)
  return written


def write_npz(path, arrays: dict, compressed: bool = True) -> None:
  """Atomic .npz write of named arrays (compression pays for images, not for random weights)."""
  buf = io.BytesIO()
  (np.savez_compressed if compressed else np.savez)(buf, **{k: np.asarray(v) for k, v in arrays.items()})
  write_bytes(path, buf.getvalue())


def read_json(path):
  """A JSON file of a workdir or results/; a WorkdirError naming it and its fix when it cannot be
  read or is not JSON (cut short, overwritten)."""
  path = pathlib.Path(path)
  try:
    return json.loads(path.read_text())
  except (ValueError, UnicodeDecodeError) as e:
    raise corrupt(path, f"is not valid JSON ({e})") from None
  except OSError as e:
    raise WorkdirError(f"cannot read {path}: {e.strerror or e}", _read_fix(path)) from None


@contextlib.contextmanager
def read_npz(path):
  """np.load of a workdir's .npz, with the same errors as read_json for a damaged file."""
  path = pathlib.Path(path)
  try:
    with np.load(path) as z:
      yield z
  except (ValueError, EOFError, zipfile.BadZipFile, KeyError) as e:
    raise corrupt(path, f"is not a readable .npz file ({type(e).__name__}: {e})") from None
  except OSError as e:
    raise WorkdirError(f"cannot read {path}: {e.strerror or e}", _read_fix(path)) from None


def corrupt(path, problem: str) -> WorkdirError:
  """The error for a damaged results file: what is wrong, and how to recover without losing the
  rest of the workdir."""
  path = pathlib.Path(path)
  return WorkdirError(f"{path} {problem}", _CORRUPT_FIXES.get(path.name, _read_fix)(path))


def _read_fix(path) -> str:
  return (f"check {path}'s permissions and the disk it is on; restore it from a copy (results/ "
          "holds the published studies' files), or move it aside")


_CORRUPT_FIXES = {
    paths.RESULT: lambda p: (f"move it aside (mv {p} {p}.bad) and rerun the same command: that cell "
                              "is trained again, every other cell is kept"),
    paths.SUMMARY: lambda p: (f"move it aside; identity-jax-plot --workdir={p.parent} rebuilds it "
                               "from the cells' result.json files"),
    paths.PER_SEED: lambda p: (f"move it aside; identity-jax-plot --workdir={p.parent} rebuilds it "
                                 "from the cells' result.json files"),
    paths.ARRAYS: lambda p: (f"move it aside (figures drawn from arrays then leave the cell out), "
                             f"or move {p.parent}/result.json aside too and rerun to retrain it"),
    paths.PARAMS: lambda p: ("move it aside: identity-jax-analyze retrains a cell without saved "
                             "parameters from its recorded config (same result)"),
    paths.CONFIG: lambda p: ("restore it from a copy (results/<study>/config.json for a published "
                              "study), or start a new --workdir"),
    paths.MARKER: lambda p: (f"restore it from a copy (results/<study>/{paths.MARKER} for a published study), "
                       "or start a new --workdir"),
}


def _diff(old, new, prefix="") -> list[str]:
  """The fields whose values differ, as 'field: old -> new'; tuples and lists compare as values
  (a config holds tuples, a recorded one lists)."""
  old, new = (json.loads(json.dumps(v, default=jsonable)) for v in (old, new))
  out = []
  for key in sorted(set(old) | set(new)):
    a, b = old.get(key, "<absent>"), new.get(key, "<absent>")
    if isinstance(a, dict) and isinstance(b, dict):
      out += _diff(a, b, f"{prefix}{key}.")
    elif a != b:
      out.append(f"{prefix}{key}: {a!r} -> {b!r}")
  return out


def check_writable(root) -> None:
  """Raises WorkdirError when files cannot be created in `root` (or, before it exists, in the
  nearest directory above it): a read-only mount, no permission, or a full disk."""
  root = pathlib.Path(root)
  where = next(p for p in (root, *root.parents) if p.exists())
  try:
    if not where.is_dir():
      raise NotADirectoryError(20, "not a directory")
    with tempfile.TemporaryFile(dir=where, prefix=".identity_jax-write-check-"):
      pass
  except OSError as e:
    raise WorkdirError(f"cannot write in {where} ({e.strerror or e}), where the workdir {root} is",
                       "choose a --workdir on a writable disk with free space (or make this one "
                       "writable); nothing was written") from None


def _never_trained(cell_dir: pathlib.Path) -> bool:
  """A cell recorded by a run that stopped before training it: no result, no checkpoint, and no job
  training it now. Its record may take another config."""
  if (cell_dir / paths.RESULT).exists() or (cell_dir / paths.CHECKPOINT).exists():
    return False
  if not cell_dir.exists():
    return True
  with lock(cell_dir / paths.LOCK, wait=False) as holder:
    return holder is None


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
  marker = root / paths.MARKER
  if not marker.is_file():
    if root.exists() and any(p.name != paths.LOCK for p in root.iterdir()):  # the lock: a job recording
      raise WorkdirError(f"workdir {root} is not empty and holds no identity_jax experiment", fix_new)
    return set()
  recorded = read_json(marker)
  if recorded.get("name") != name:
    raise WorkdirError(
        f"workdir {root} holds results of experiment {recorded.get('name')!r}, not {name!r}", fix_new)
  finished = set()
  for cell, config in cells.items():
    old = recorded.get("cells", {}).get(cell)
    if old is None:
      continue
    old = upgrade(old["config"])
    cell_dir = paths.cell_dir(root, cell)
    held = seed_count(cell_dir)
    if fingerprint(old) != fingerprint(config):
      if _never_trained(cell_dir):
        continue  # an earlier run recorded it and stopped (killed, or refused) before training it
      seeds_only = _same_but_seeds(old, config)
      if not (seeds_only and held):  # held: a finished cell, to which seeds may be added
        changes = "; ".join(_diff(old, config)[:8])
        fix = (f"let the run with {old.get('num_seeds')} seeds finish first (rerun it: it resumes); "
               "seeds can then be added to the finished cell") if seeds_only else \
            fix_new + ", or give the changed cell a new name"
        raise WorkdirError(
            f"workdir {root} already holds cell {cell!r} trained with another config ({changes})", fix)
    if held > config["num_seeds"]:
      raise WorkdirError(
          f"workdir {root} holds {held} seeds of cell {cell!r}, more than the {config['num_seeds']} "
          "asked for", "seeds can be added to a finished cell, not removed: ask for at least "
          f"{held}, or summarize its first seeds from per_seed.jsonl")
    if held == config["num_seeds"]:
      finished.add(cell)  # (fewer: the run adds the missing seeds to those it holds)
  return finished


def seed_count(cell_dir) -> int:
  """How many seeds the cell's finished result holds; 0 when it has not finished."""
  path = pathlib.Path(cell_dir) / paths.RESULT
  if not path.is_file():
    return 0
  record = read_json(path)
  if not isinstance(record, dict) or not isinstance(record.get("seeds"), list):
    raise corrupt(path, "is not a cell's result (it holds no list of seeds)")
  return len(record["seeds"])


def _same_but_seeds(old: dict, new: dict) -> bool:
  """The configs differ in num_seeds alone. Seed i's key does not depend on the count
  (program.seed_keys), so the seeds a finished cell holds stay valid when seeds are added."""
  drop = lambda c: {k: v for k, v in c.items() if k != "num_seeds"}
  return fingerprint(drop(old)) == fingerprint(drop(new))


def record(workdir, name: str, cells: dict, extra: dict) -> None:
  """Adds these cells to the workdir's marker, keeping every cell recorded before."""
  marker = pathlib.Path(workdir) / paths.MARKER
  recorded = read_json(marker) if marker.is_file() else {"name": name, "cells": {}}
  for cell, config in cells.items():
    recorded["cells"][cell] = {"fingerprint": fingerprint(config), "config": config}
  recorded.update(extra)
  write_json(marker, recorded)
