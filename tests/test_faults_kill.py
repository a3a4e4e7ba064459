"""Jobs killed for real (SIGKILL at random chunks) and checkpoints damaged on disk: a rerun resumes
bit-identical to an uninterrupted run, a damaged checkpoint is set aside and its seeds retrained,
and a first run killed before training leaves a workdir the corrected command accepts."""

import json
import random
import shutil
import signal
import subprocess
import sys
import time

import pytest
from test_faults import REPO, SMALL, TINY, assert_error, run

SAVING = ("--cells=convnet_5", "--config.train.checkpoint_minutes=0",  # a checkpoint every chunk
          "--config.train.num_snapshots=10")


def _start(root, *args):
  return subprocess.Popen([sys.executable, str(REPO / "experiments" / "main.py"), TINY,
                           f"--workdir={root}", "--quiet", *SMALL, *(args or SAVING)], cwd=REPO,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
  """The convnet_5 cell trained without interruption, with the checkpointing runs' config."""
  root = tmp_path_factory.mktemp("reference") / "wd"
  job = _start(root)
  _, err = job.communicate(timeout=600)
  assert job.returncode == 0, err[-3000:]
  return root


@pytest.fixture(scope="module")
def killed(tmp_path_factory):
  """A workdir whose convnet_5 run was killed (SIGKILL) after its second checkpoint."""
  root = tmp_path_factory.mktemp("killed") / "wd"
  assert _kill_after_a_checkpoint(root, after=2)
  return root


def _kill_after_a_checkpoint(root, after: int = 1) -> bool:
  """Starts the convnet_5 cell and kills it (SIGKILL) once `after` checkpoints have been saved since
  the start; False when it finished first."""
  job = _start(root)
  ckpt = root / "cells" / "convnet_5" / "checkpoint" / "seeds_0"
  seen, last = 0, None
  deadline = time.time() + 300
  while time.time() < deadline and job.poll() is None:
    steps = sorted(int(p.name) for p in ckpt.glob("*") if p.name.isdigit()) if ckpt.is_dir() else []
    if steps and steps[-1] != last:
      seen, last = seen + 1, steps[-1]
      if seen >= after:
        job.send_signal(signal.SIGKILL)
        job.wait()
        return True
    time.sleep(0.05)
  job.communicate()
  return False


def _seeds(root, cell="convnet_5"):
  return json.loads((root / "cells" / cell / "result.json").read_text())["seeds"]


def test_killed_at_random_chunks_several_times_ends_bit_identical(reference, killed, tmp_path):
  root = tmp_path / "killed"
  shutil.copytree(killed, root)  # killed once already
  assert _kill_after_a_checkpoint(root, after=random.Random(0).randint(1, 3)), \
      "the job finished before it could be killed a second time"
  job = _start(root)
  _, err = job.communicate(timeout=600)
  assert job.returncode == 0, err[-3000:]
  assert "resumed from the checkpoint at step" in (root / "log.txt").read_text()
  assert _seeds(root) == _seeds(reference)  # every number of every seed, exactly


@pytest.mark.parametrize("damage", ["truncate a data file", "delete _METADATA"])
def test_damaged_checkpoint_is_set_aside_and_the_cell_trains(reference, killed, tmp_path, damage):
  root = tmp_path / "damaged"
  shutil.copytree(killed, root)
  ckpt = root / "cells" / "convnet_5" / "checkpoint" / "seeds_0"
  if damage == "delete _METADATA":
    victims = list(ckpt.rglob("_METADATA"))
    for p in victims:
      p.unlink()
  else:
    victims = [p for p in ckpt.rglob("*") if p.is_file() and "/d/" in str(p)]
    for p in victims:
      p.write_bytes(p.read_bytes()[:7])
  assert victims
  job = _start(root)
  _, err = job.communicate(timeout=600)
  assert job.returncode == 0, err[-3000:]
  assert "could not be restored" in err and "set aside as" in err
  assert list(ckpt.parent.parent.glob("checkpoint.damaged-*/seeds_0"))  # kept, not deleted
  assert _seeds(root) == _seeds(reference)  # from scratch: the uninterrupted run's numbers


def test_an_interrupted_first_run_leaves_a_workdir_the_corrected_command_accepts(tmp_path):
  root = tmp_path / "wd"
  job = _start(root, "--cells=convnet_5", "--config.train.num_steps=100000")  # killed long before
  deadline = time.time() + 120
  while time.time() < deadline and not (root / "experiment.json").exists():
    time.sleep(0.05)
  job.send_signal(signal.SIGKILL)
  job.wait()
  assert (root / "experiment.json").exists()
  out = run("main", TINY, f"--workdir={root}", "--quiet", *SMALL, "--cells=convnet_5")
  assert out.returncode == 0, out.stderr[-3000:]
  # A cell that did train refuses another config, naming only what changed.
  out = run("main", TINY, f"--workdir={root}", *SMALL, "--cells=convnet_5",
            "--config.train.num_steps=50")
  assert_error(out, "trained with another config", "train.num_steps: 100 -> 50")
  assert "data.rhos" not in out.stderr and "test_sizes" not in out.stderr
