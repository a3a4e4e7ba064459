"""One static HTML page over every study: the claims table, each study's cells (fitted / not fitted /
dead / diverged counts, verdicts), every figure, and per-cell prediction grids.

  identity-jax-report --out=report results/ workdirs/convnet_depth ...

Each argument is a study directory (a workdir, or results/<study>/: anything holding summary.json)
or a directory of them. The page and copies of everything it shows go to --out, so it can be opened
from disk, zipped or served as is; it links only to files inside --out. A study found twice (a
workdir and its published copy) is taken from the first argument that has it.
"""

import datetime
import html
import pathlib
import re
import shutil
import tempfile

import matplotlib.pyplot as plt

from identity_jax.errors import WorkdirError
from identity_jax.reporting import claims, figure_registry, tables
from identity_jax.study import paths, workdir
from identity_jax.study import summary as summary_lib

INDEX = "index.html"
DATA_FILES = (paths.SUMMARY, paths.PER_SEED, paths.CONFIG, paths.LOG)
STYLE = """
body { font-family: sans-serif; max-width: 1400px; margin: 1em auto; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 12px; }
th, td { border: 1px solid #bbb; padding: 3px 6px; vertical-align: top; text-align: left; }
th { background: #eee; }
img { max-width: 100%; border: 1px solid #ddd; margin: 4px 0; }
figure { display: inline-block; margin: 0.5em 1em 0.5em 0; max-width: 100%; }
figcaption { font-size: 12px; color: #555; }
code { background: #f4f4f4; padding: 0 2px; }
nav a { margin-right: 0.8em; }
"""


def study_dirs(locations) -> dict:
  """Study name -> its directory, for each path that is a study or holds studies."""
  found = {}
  for path in map(pathlib.Path, locations):
    if (path / paths.SUMMARY).is_file():
      candidates = [path]
    elif path.is_dir():
      candidates = sorted(p.parent for p in path.glob("*/summary.json"))
    else:
      raise WorkdirError(f"{path} does not exist", "name a workdir, results/<study>, or results/")
    if not candidates:
      raise WorkdirError(f"{path} holds no study (no summary.json in it or its subdirectories)",
                         "run or publish a study first, or name its directory")
    for d in candidates:
      found.setdefault(workdir.read_json(d / paths.SUMMARY)["name"], d)
  return found


def _inline(text: str) -> str:
  """The markdown of claims.py's tables: `code`, **bold** and <br>, everything else escaped."""
  out = html.escape(text).replace("&lt;br&gt;", "<br>")
  out = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", out)
  return re.sub(r"`([^`]+)`", r"<code>\1</code>", out)


def markdown_tables(md: str) -> str:
  """HTML for claims.py's markdown: pipe tables and paragraphs."""
  out, rows = [], []

  def flush():
    if rows:
      head, body = rows[0], rows[2:]
      out.append("<table><tr>" + "".join(f"<th>{_inline(c)}</th>" for c in head) + "</tr>"
                 + "".join("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in r) + "</tr>"
                           for r in body) + "</table>")
      rows.clear()
  for line in md.splitlines():
    if line.startswith("|"):
      rows.append([c.strip() for c in line.strip().strip("|").split("|")])
    else:
      flush()
      if line.strip():
        out.append(f"<p>{_inline(line)}</p>")
  flush()
  return "\n".join(out)


def _cell_grids(study_dir: pathlib.Path, dest: pathlib.Path) -> list:
  """Per-cell prediction grids, drawn from the cells' arrays (workdirs have them; results/ not)."""
  try:
    study = summary_lib.load_study(study_dir)
  except WorkdirError:
    return []
  written = []
  for name, file, fig in figure_registry.cell_figures(study):
    workdir.save_figure(fig, dest / file, dpi=90)
    plt.close(fig)
    written.append((name, file))
  return written


def _study_section(name: str, src: pathlib.Path, out: pathlib.Path, studies: dict) -> str:
  dest = out / name
  dest.mkdir(parents=True, exist_ok=True)
  for f in DATA_FILES:
    if (src / f).is_file():
      shutil.copy2(src / f, dest / f)
  figures = sorted(p.name for p in src.glob("*.png"))
  for f in figures:
    shutil.copy2(src / f, dest / f)
  grids = _cell_grids(src, dest)
  data_links = " ".join(f'<a href="{name}/{f}">{f}</a>' for f in DATA_FILES if (dest / f).is_file())
  parts = [f'<h2 id="{name}">{html.escape(name)}</h2>', f"<p>data: {data_links}</p>",
           markdown_tables(tables.cells_table({name: studies[name]}))]
  parts += [f'<figure><img src="{name}/{f}" alt="{name} {f}"><figcaption>{f}</figcaption></figure>'
            for f in figures]
  if grids:
    parts.append("<h3>Prediction grids, cell by cell</h3>")
    parts += [f'<figure><img src="{name}/{f}" alt="{name} {cell} predictions">'
              f"<figcaption>{html.escape(cell)}</figcaption></figure>" for cell, f in grids]
  return "\n".join(parts)


def build(locations, out_dir) -> pathlib.Path:
  """Writes out_dir/index.html and the files it shows; returns the page's path."""
  dirs = study_dirs(locations)
  out = pathlib.Path(out_dir)
  out.parent.mkdir(parents=True, exist_ok=True)
  # Built beside out_dir and moved in whole once done, so a failure (a damaged study file, a full
  # disk) leaves out_dir as it was, not empty or half written.
  tmp = pathlib.Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}."))
  try:
    _write_page(dirs, tmp)
    shutil.copytree(tmp, out, dirs_exist_ok=True)
  finally:
    shutil.rmtree(tmp, ignore_errors=True)
  return out / INDEX


def _write_page(dirs: dict, out: pathlib.Path) -> None:
  studies = {name: claims.load_study_dir(d) for name, d in dirs.items()}
  sections = [_study_section(name, d, out, studies) for name, d in dirs.items()]
  nav = " ".join(f'<a href="#{n}">{html.escape(n)}</a>' for n in dirs)
  stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
  page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>identity_jax report</title>
<style>{STYLE}</style>
<script>
// For headless checks: once everything has loaded, record the images that failed to.
window.addEventListener("load", () => {{
  const broken = [...document.images].filter(i => !(i.complete && i.naturalWidth > 0));
  document.body.dataset.images = document.images.length;
  document.body.dataset.broken = broken.map(i => i.getAttribute("src")).join(" ");
}});
</script></head><body>
<h1>identity_jax: every study</h1>
<p>Generated {stamp} from {len(dirs)} studies. Regimes and statistics count fitted seeds only; the
other seeds are counted beside them (not fitted, dead, diverged).</p>
<nav>{nav}</nav>
<h2 id="claims">The paper's claims</h2>
{markdown_tables(tables.claims_table(studies))}
<h2 id="paired">Paired comparisons</h2>
{markdown_tables(tables.paired_table(studies))}
{"".join(sections)}
</body></html>
"""
  (out / INDEX).write_text(page)
