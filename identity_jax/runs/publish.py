"""Copies what a finished workdir holds as data and figures into results/<study>/, the committed record
that RESULTS.md's tables are generated from (experiments/results_table.py). Parameters, arrays and
checkpoints stay in the workdir: they are large and can be regenerated from the configs.
"""

import pathlib
import shutil

from identity_jax.errors import WorkdirError
from identity_jax.reporting import figure_registry
from identity_jax.study import paths, workdir
from identity_jax.study import summary as summary_lib

FILES = (paths.SUMMARY, paths.PER_SEED, paths.CONFIG, paths.MARKER, paths.ANALYSES, paths.LEAST_LOSS,
         paths.LOG)


def publish(workdir_path, results_dir, partial: bool = False) -> pathlib.Path:
  """results/<name>/ := the workdir's tables, configs, log, figures and per-cell result.json (and the
  earlier array figures of cells the workdir holds no arrays for, see _earlier_array_figures). Refuses
  a workdir whose cells are not all finished, unless `partial` (a long study committed cell by cell:
  its summary then covers the finished cells, and RESULTS.md calls the others pending). The
  result.json of a cell trained in blocks of seeds (--max_new_seeds) is copied as it stands, outside
  the summary: a workdir rebuilt from results/ (copy results/<study>/ and rerun the same command)
  adds the next block to it, on any machine."""
  root = pathlib.Path(workdir_path)
  if not (root / paths.SUMMARY).is_file():
    raise WorkdirError(f"{root} holds no summary.json", "run or redraw the experiment first")
  summary = workdir.read_json(root / paths.SUMMARY)
  config = workdir.read_json(root / paths.CONFIG)
  cells = list(config.get("cells") or {"base": {}})
  blocks = summary.get("partial") or {}  # cells trained in blocks of seeds, not all yet
  unfinished = [c + (f" ({summary_lib.seeds_held(blocks[c])})" if c in blocks else "")
                for c in cells if c not in summary["cells"]]
  if unfinished and not partial:
    raise WorkdirError(f"{root}: cells {', '.join(unfinished)} have not finished",
                       "rerun the same command to finish them (it resumes), then publish; or pass "
                       "--partial to publish the finished cells now (redraw first: identity-jax-plot)")
  dest = pathlib.Path(results_dir) / summary["name"]
  kept = _earlier_array_figures(root, dest, summary_lib.load_study(root).ordered())
  if dest.exists():
    shutil.rmtree(dest)
  dest.mkdir(parents=True)
  for name in FILES:
    if (root / name).is_file():
      shutil.copy2(root / name, dest / name)
  for png in root.glob("*.png"):
    shutil.copy2(png, dest / png.name)
  for name, data in kept.items():
    (dest / name).write_bytes(data)
  for c in [*summary["cells"], *blocks]:  # a block's seeds too: a later job adds to them
    (paths.cell_dir(dest, c)).mkdir(parents=True)
    shutil.copy2(paths.cell_dir(root, c) / paths.RESULT, paths.cell_dir(dest, c) / paths.RESULT)
  return dest


def _earlier_array_figures(root: pathlib.Path, dest: pathlib.Path, cells: list) -> dict:
  """A workdir rebuilt from results/ has no arrays for the cells trained before, so its array figures
  (figure_registry.array_figures()) show only the cells trained since. The published versions, which drew the
  earlier cells, are kept as '<name>_<first>-<last>.png' (the cells without arrays, in the study's
  order; a version kept by an earlier publish stays), or under their own name when no cell has
  arrays (a plain redraw). File name -> bytes, written over what the workdir has."""
  missing = [c for c in cells if not (paths.cell_dir(root, c) / paths.ARRAYS).is_file()]
  if not missing:
    return {}
  span = missing[0] if len(missing) == 1 else f"{missing[0]}-{missing[-1]}"
  kept = {}
  for name in figure_registry.array_figures():
    target = name if len(missing) == len(cells) else f"{pathlib.Path(name).stem}_{span}.png"
    source = dest / target if (dest / target).is_file() else dest / name
    if source.is_file():
      kept[target] = source.read_bytes()
  return kept
