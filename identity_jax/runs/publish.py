"""Copies what a finished workdir holds as data and figures into results/<study>/, the committed record
that RESULTS.md's tables are generated from (experiments/results_table.py). Parameters, arrays and
checkpoints stay in the workdir: they are large and can be regenerated from the configs.
"""

import pathlib
import shutil

from identity_jax import atomic
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
  kept, drawn = _earlier_array_figures(
      root, dest, summary_lib.load_study(root, with_arrays=False).ordered())  # the order only
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
  if drawn:
    atomic.write_json(dest / paths.ARRAY_FIGURES, drawn)
  for c in [*summary["cells"], *blocks]:  # a block's seeds too: a later job adds to them
    (paths.cell_dir(dest, c)).mkdir(parents=True)
    shutil.copy2(paths.cell_dir(root, c) / paths.RESULT, paths.cell_dir(dest, c) / paths.RESULT)
  return dest


def _earlier_array_figures(root: pathlib.Path, dest: pathlib.Path, cells: list):
  """A workdir rebuilt from results/ has no arrays for the cells trained before, so its array figures
  (figure_registry.array_figures()) draw only the cells trained since. A published version that drew
  a cell they lack is kept as '<name>_<first>-<last>.png', named for those cells (in the study's
  order); a version kept by an earlier publish stays; with no cell's arrays in the workdir (a plain
  redraw) the published figures stay as they are. results/<study>/array_figures.json records the
  cells each figure draws (a figure published before that record is taken to draw the cells the
  workdir lacks arrays for). Returns (file name -> bytes to write over the workdir's, file name ->
  cells drawn)."""
  present = [c for c in cells if (paths.cell_dir(root, c) / paths.ARRAYS).is_file()]
  missing = [c for c in cells if c not in present]
  record_path = dest / paths.ARRAY_FIGURES
  record = workdir.read_json(record_path) if record_path.is_file() else {}
  names = figure_registry.array_figures()
  drawn = {n: present for n in names if present and (root / n).is_file()}
  kept = {}
  for name, cells_drawn in record.items():  # versions kept before, unless drawn again now
    if name not in names and (dest / name).is_file() and set(cells_drawn) - set(present):
      kept[name], drawn[name] = (dest / name).read_bytes(), cells_drawn
  for name in names:
    if not (dest / name).is_file():
      continue
    cells_drawn = record.get(name, missing)
    lost = [c for c in cells if c in cells_drawn and c not in present]
    if present and not lost:
      continue  # the workdir's figure draws every cell this one did
    target = f"{pathlib.Path(name).stem}_{_span(lost)}.png" if present else name
    source = dest / name
    if name not in record and (dest / target).is_file():
      source = dest / target  # kept by a publish before the record; dest/name is a later redraw
    kept[target], drawn[target] = source.read_bytes(), cells_drawn
  return kept, drawn


def _span(cells: list) -> str:
  return cells[0] if len(cells) == 1 else f"{cells[0]}-{cells[-1]}"
