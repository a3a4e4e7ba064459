"""Several hosts, as several local processes: jax.distributed over gloo on CPU, 2 processes with 2
devices each, the seed axis over all 4. A 2-process job killed mid-run resumes from its orbax
checkpoint, saved and restored by both processes, and ends equal to a single-process run (one check
of both: an uninterrupted 2-process run would add a minute and nothing the two do not show, as
resume = uninterrupted is tested in-process, tests/test_training_loop.py)."""

import json
import pathlib
import signal
import socket
import subprocess
import sys
import time

import numpy as np

REPO = pathlib.Path(__file__).resolve().parents[1]
COMMON = ["--config=identity_jax/configs/default.py:tiny", "--cells=convnet_5", "--quiet",
          "--config.num_seeds=4", "--config.train.num_steps=150", "--config.train.num_snapshots=15",
          "--config.train.checkpoint_minutes=0"]


def _port() -> int:
  with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    return s.getsockname()[1]


def _start(workdir, extra=()):
  port = _port()
  return [subprocess.Popen(
      [sys.executable, str(REPO / "experiments" / "main.py"), *COMMON, f"--workdir={workdir}",
       "--jax_distributed", f"--coordinator_address=127.0.0.1:{port}", "--num_processes=2",
       f"--process_id={i}", "--cpu_devices=2", *extra],
      cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for i in range(2)]


def _finish(jobs):
  outs = [job.communicate(timeout=600)[0] for job in jobs]
  assert [job.returncode for job in jobs] == [0, 0], "\n".join(o[-3000:] for o in outs)
  return outs


def _seeds(workdir):
  return json.loads((pathlib.Path(workdir) / "cells" / "convnet_5" / "result.json").read_text())["seeds"]


def _assert_same(a, b):
  assert [s["status"] for s in a] == [s["status"] for s in b]
  for x, y in zip(a, b):
    np.testing.assert_allclose(x["final_loss"], y["final_loss"], rtol=1e-4)
    for suite, metrics in x["suites"].items():
      for name, value in metrics.items():
        np.testing.assert_allclose(value, y["suites"][suite][name], rtol=1e-3, atol=1e-5)


def test_two_processes_equal_one_and_resume(tmp_path):
  single = subprocess.run([sys.executable, str(REPO / "experiments" / "main.py"), *COMMON,
                           f"--workdir={tmp_path / 'single'}", "--cpu_devices=4"],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
  assert single.returncode == 0, single.stderr[-3000:]

  # Killed once a checkpoint is on disk, then restarted: both processes restore and finish.
  jobs = _start(tmp_path / "killed")
  checkpoints = tmp_path / "killed" / "cells" / "convnet_5" / "checkpoint"
  deadline = time.time() + 300
  while time.time() < deadline and not any(p.name.isdigit() for p in checkpoints.glob("*/*")):
    assert all(job.poll() is None for job in jobs), "finished before a checkpoint was seen"
    time.sleep(0.2)
  for job in jobs:
    job.send_signal(signal.SIGKILL)
    job.wait()
  assert not (tmp_path / "killed" / "cells" / "convnet_5" / "result.json").exists()
  _finish(_start(tmp_path / "killed"))
  log = (tmp_path / "killed" / "log.txt").read_text()
  assert "resumed from the checkpoint at step" in log
  _assert_same(_seeds(tmp_path / "killed"), _seeds(tmp_path / "single"))
  written = sorted(p.name for p in (tmp_path / "killed").iterdir())
  assert "summary.json" in written and "log.txt" in written  # written once, by process 0
