r"""Two runs of one cell with the same seeds, seed by seed: each seed's outcome (regime when fitted,
else not_fitted / dead / diverged), final loss, step fitted and correlations in both, and how many
seeds moved from one outcome to another.

  identity-jax-compare-runs \
      --old=23fbcd4:results/convnet_depth/cells/c16/result.json \
      --new=results/convnet_depth/cells/c16/result.json

Each run is a cell's result.json, a cell directory holding one, or REV:PATH, the file as git
revision REV has it (an earlier run of a cell that results/ has since replaced).
"""

import json
import pathlib
import subprocess

from absl import flags

from identity_jax.commands import cli
from identity_jax.reporting import rerun
from identity_jax.study import paths, workdir

_OLD = flags.DEFINE_string("old", None, "The first run: result.json, a cell directory or REV:PATH.")
_NEW = flags.DEFINE_string("new", None, "The second run, likewise.")
flags.mark_flags_as_required(["old", "new"])


def read_result(spec: str) -> dict:
  path = pathlib.Path(spec)
  if path.is_dir():
    path = path / paths.RESULT
  if path.is_file():
    return workdir.read_json(path)
  if ":" in spec:  # REV:PATH, from git history
    rev, _, name = spec.partition(":")
    shown = subprocess.run(["git", "show", f"{rev}:{name}"], capture_output=True, text=True)
    if shown.returncode == 0:
      return json.loads(shown.stdout)
    raise rerun.RerunError(f"git cannot show {spec}: {shown.stderr.strip()}",
                           "pass REV:PATH with PATH relative to the repository root, run inside it")
  raise rerun.RerunError(f"no cell result at {spec}",
                         "pass a cell's result.json, its directory, or REV:PATH from git history")


def main(argv):
  del argv
  print(rerun.render(read_result(_OLD.value), read_result(_NEW.value)))


def entry():
  """The console script identity-jax-compare-runs."""
  cli.run(main)
