"""Every figure identity_jax draws, in one registry: its file name, what it shows (the study, one
cell, or the layer-wise analyses) and what it is drawn from. Drawing, publishing and the HTML report
read this list; a new figure is one entry here.

Needs:
  summary    the cells' result.json files (a Study loaded without arrays): results/ has them
  arrays     the cells' arrays.npz: workdirs only, so results/ keeps the published file (publish.py)
  analyses   analyses.json (identity-jax-analyze): results/ has it
  images     analyses.npz: workdirs only
"""

import dataclasses
import pathlib
from typing import Callable

from identity_jax.analyses import figures as analysis_figures
from identity_jax.analyses import run as analyses_run
from identity_jax.reporting import plots
from identity_jax.study import summary as summary_lib
from identity_jax.study import workdir

SUMMARY, ARRAYS, ANALYSES, IMAGES = "summary", "arrays", "analyses", "images"
STUDY, CELL, ANALYSIS = "study", "cell", "analysis"


@dataclasses.dataclass(frozen=True)
class FigureSpec:
  name: str       # file name; '{cell}' in it: one file per cell
  shows: str      # STUDY | CELL (one cell of a study) | ANALYSIS (the layer-wise analyses)
  needs: str      # SUMMARY | ARRAYS | ANALYSES | IMAGES
  draw: Callable  # study figures: (Study) -> Figure | None; analysis figures: see ANALYSIS_FIGURES

  def file(self, cell: str = "") -> str:
    return self.name.format(cell=cell)


def _one_cell(study, cell: str):
  return summary_lib.Study(name=study.name, config=study.config, cells={cell: study.cells[cell]})


STUDY_FIGURES = (
    FigureSpec("prediction_grid.png", STUDY, ARRAYS, plots.prediction_grid),
    FigureSpec("heatmap_corr.png", STUDY, SUMMARY, lambda study: plots.rho_heatmaps(study, "corr")),
    FigureSpec("sweep_corr.png", STUDY, SUMMARY, lambda study: plots.sweep_figure(study, "corr")),
    FigureSpec("heatmap_mse.png", STUDY, SUMMARY, lambda study: plots.rho_heatmaps(study, "mse")),
    FigureSpec("sweep_mse.png", STUDY, SUMMARY, lambda study: plots.sweep_figure(study, "mse")),
    FigureSpec("suites_corr.png", STUDY, SUMMARY, plots.suites_bars),
    FigureSpec("loss.png", STUDY, ARRAYS, plots.loss_curves),
    FigureSpec("seed_hist.png", STUDY, SUMMARY, plots.seed_histograms),
    FigureSpec("phase.png", STUDY, SUMMARY, plots.phase_diagram),
    FigureSpec("test_sizes.png", STUDY, SUMMARY, plots.test_sizes_curves),
    FigureSpec("test_sizes_grid.png", STUDY, ARRAYS, plots.test_sizes_grid),
)
# (Study, cell) -> Figure: the HTML report's per-cell prediction grids.
CELL_FIGURES = (
    FigureSpec("grid_{cell}.png", CELL, ARRAYS,
               lambda study, cell: plots.prediction_grid(_one_cell(study, cell))),
)
# (numbers, images, cells) -> Figure for the whole study's analyses; (numbers, images, cell) per cell.
ANALYSIS_FIGURES = (
    FigureSpec("collapse.png", ANALYSIS, ANALYSES, analysis_figures.collapse_figure),
    FigureSpec("weight_change.png", ANALYSIS, ANALYSES, analysis_figures.weight_change_figure),
    FigureSpec("layers_{cell}.png", ANALYSIS, IMAGES,
               lambda numbers, pics, c: analysis_figures.layers_figure(pics, c)),
    FigureSpec("upper_{cell}.png", ANALYSIS, IMAGES,
               lambda numbers, pics, c: analysis_figures.upper_figure(pics, c)),
    FigureSpec("sizes_{cell}.png", ANALYSIS, IMAGES, analysis_figures.sizes_figure),
)
ALL = STUDY_FIGURES + CELL_FIGURES + ANALYSIS_FIGURES


def array_figures() -> tuple[str, ...]:
  """The study figures drawn from cells' arrays: results/ cannot redraw them."""
  return tuple(f.name for f in STUDY_FIGURES if f.needs == ARRAYS)


def draw_study(study, root=None) -> list[str]:
  """Saves every study figure that applies into `root` (default: the study's workdir); returns the
  files written: none while no cell has finished (a study holding only blocks of seeds)."""
  if not study.cells:
    return []
  return workdir.save_figures(((f.name, f.draw(study)) for f in STUDY_FIGURES), root or study.root)


def cell_figures(study):
  """(cell, file name, Figure) of each per-cell figure, for the cells whose arrays were loaded,
  drawn one at a time as the caller takes them (it saves and closes each before the next)."""
  for c, result in study.cells.items():
    if result.arrays is not None:
      for f in CELL_FIGURES:
        yield c, f.file(c), f.draw(study, c)


def analysis_figures_of(numbers: dict, pics: dict, cells) -> dict:
  """File name -> Figure of every analysis figure that applies: the per-cell ones for the cells the
  analyses hold images of (ConvNets)."""
  out = {}
  for f in ANALYSIS_FIGURES:
    if "{cell}" not in f.name:
      out[f.name] = f.draw(numbers, cells)
      continue
    for c in cells:
      if f"{c}/layers/init/top_sv" in pics:
        out[f.file(c)] = f.draw(numbers, pics, c)
  return out


def draw_analyses(root, cells) -> list[str]:
  """Saves the analysis figures of `cells` into the workdir; returns the files written. A per-cell
  analysis figure of a cell whose analysis analyses.json no longer holds (its cell was retrained
  since) is deleted: it would show another run."""
  root = pathlib.Path(root)
  numbers, pics = analyses_run.load(root)
  for f in ANALYSIS_FIGURES:
    head, _, tail = f.name.partition("{cell}")
    for path in root.glob(f.file("*")) if tail else ():
      if path.name[len(head):-len(tail)] not in numbers:
        path.unlink()
  # in the study's sweep order (c3 before c12), as its other figures
  cells = [c for c in summary_lib.load_study(root, with_arrays=False).ordered() if c in cells]
  return workdir.save_figures(analysis_figures_of(numbers, pics, cells).items(), root)
