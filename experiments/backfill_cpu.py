"""One-off: record the CPU of cells trained before result.json recorded it, from git history.

  python experiments/backfill_cpu.py [--results=results] [--dry_run]

Cells trained before their timing recorded 'cpu' were shown with the study's last run's CPU, which
is wrong once a later run of the study (resuming other cells) is on another machine. For each such
cell this finds the commit that brought in its current timing (the run that trained it) and copies
the CPU that commit's summary.json recorded for its run into the cell's timing, in its result.json
and in the study's summary.json (which the tables read). Cells it cannot place (no history, no CPU
in that summary) are listed and left as they are.
"""

import json
import subprocess
from pathlib import Path

from absl import app, flags

from identity_jax import atomic
from identity_jax.study import workdir

_RESULTS = flags.DEFINE_string("results", "results", "The results/ folder, inside a git checkout.")
_DRY_RUN = flags.DEFINE_bool("dry_run", False, "Print what would change; write nothing.")


def _git(*args: str, cwd: Path) -> str:
  return subprocess.run(("git",) + args, cwd=cwd, check=True, capture_output=True,
                        text=True).stdout


def _at(commit: str, path: Path, cwd: Path):
  try:
    return json.loads(_git("show", f"{commit}:{path.as_posix()}", cwd=cwd))
  except subprocess.CalledProcessError:
    return None


def training_commit(rel: Path, timing: dict, cwd: Path):
  """The oldest commit of the newest unbroken run of commits whose result.json has this timing."""
  found = None
  for commit in _git("log", "--format=%H", "--", rel.as_posix(), cwd=cwd).split():
    old = _at(commit, rel, cwd)
    if old is None or old.get("timing") != timing:
      break
    found = commit
  return found


def main(argv):
  del argv
  results = Path(_RESULTS.value).resolve()
  top = Path(_git("rev-parse", "--show-toplevel", cwd=results).strip())
  unplaced = []
  for study in sorted(p for p in results.iterdir() if (p / "cells").is_dir()):
    summary_path = study / "summary.json"
    placed = {}  # cell -> cpu, stamped into summary.json once per study
    for path in sorted(study.glob("cells/*/result.json")):
      result = workdir.read_json(path)
      if result["timing"].get("cpu"):
        continue
      rel = path.relative_to(top)
      commit = training_commit(rel, result["timing"], top)
      summary = commit and _at(commit, summary_path.relative_to(top), top)
      cpu = summary and summary.get("environment", {}).get("cpu")
      if not cpu:
        unplaced.append(str(rel))
        continue
      print(f"{rel}: {cpu} (trained in {commit[:7]})")
      placed[path.parent.name] = cpu
      if not _DRY_RUN.value:
        result["timing"]["cpu"] = cpu
        atomic.write_json(path, result)
    if placed and not _DRY_RUN.value and summary_path.is_file():
      summary = workdir.read_json(summary_path)
      for cell, cpu in placed.items():
        timing = summary.get("cells", {}).get(cell, {}).get("timing")
        if timing is not None and not timing.get("cpu"):
          timing["cpu"] = cpu
      atomic.write_json(summary_path, summary)
  for rel in unplaced:
    print(f"{rel}: left as it is (no commit or CPU to place it)")


if __name__ == "__main__":
  app.run(main)
