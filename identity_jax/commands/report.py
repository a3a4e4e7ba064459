r"""One static HTML page over every study: claims table, cells, figures, per-cell prediction grids.

  identity-jax-report --out=report results/ [workdirs/convnet_depth ...]   (experiments/report.py)

Arguments: study directories (a workdir, or results/<study>/) or directories of them. Open
<out>/index.html in a browser; the page shows only copies inside --out (identity_jax/reporting/html_report.py).
"""

from absl import flags

from identity_jax.commands import cli
from identity_jax.reporting import html_report

_OUT = flags.DEFINE_string("out", "report", "Directory for index.html and the files it shows.")


def main(argv):
  paths = argv[1:] or ["results"]
  index = html_report.build(paths, _OUT.value)
  print(f"report: {index}")


def entry():
  """The console script identity-jax-report."""
  cli.run(main)
