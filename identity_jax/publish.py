"""Copies what a finished workdir holds as data and figures into results/<study>/, the committed record
that RESULTS.md's tables are generated from (experiments/results_table.py). Parameters, arrays and
checkpoints stay in the workdir: they are large and can be regenerated from the configs.
"""

import pathlib
import shutil

from identity_jax import results, workdir
from identity_jax.errors import WorkdirError

FILES = ("summary.json", "per_seed.jsonl", "config.json", "experiment.json", "analyses.json",
         results.LEAST_LOSS, "log.txt")


def publish(workdir_path, results_dir, partial: bool = False) -> pathlib.Path:
  """results/<name>/ := the workdir's tables, configs, log, figures and per-cell result.json. Refuses
  a workdir whose cells are not all finished, unless `partial` (a long study committed cell by cell:
  its summary then covers the finished cells, and RESULTS.md calls the others pending)."""
  root = pathlib.Path(workdir_path)
  if not (root / "summary.json").is_file():
    raise WorkdirError(f"{root} holds no summary.json", "run or redraw the experiment first")
  summary = workdir.read_json(root / "summary.json")
  config = workdir.read_json(root / "config.json")
  cells = list(config.get("cells") or {"base": {}})
  unfinished = [c for c in cells if c not in summary["cells"]]
  if unfinished and not partial:
    raise WorkdirError(f"{root}: cells {unfinished} have not finished",
                       "rerun the same command to finish them (it resumes), then publish; or pass "
                       "--partial to publish the finished cells now (redraw first: identity-jax-plot)")
  dest = pathlib.Path(results_dir) / summary["name"]
  if dest.exists():
    shutil.rmtree(dest)
  dest.mkdir(parents=True)
  for name in FILES:
    if (root / name).is_file():
      shutil.copy2(root / name, dest / name)
  for png in root.glob("*.png"):
    shutil.copy2(png, dest / png.name)
  for c in summary["cells"]:
    (dest / "cells" / c).mkdir(parents=True)
    shutil.copy2(root / "cells" / c / "result.json", dest / "cells" / c / "result.json")
  return dest
