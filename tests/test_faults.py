"""Faults made for real against the binaries: a read-only workdir, damaged result, summary, config,
array and checkpoint files, a job killed mid-run, a run too large for the memory, malformed values
and flags. Each is reported in the one style (error line, fix line, exit 2, no traceback), leaves the
earlier results as they were, and following the fix completes the run."""

import hashlib
import json
import pathlib
import shutil
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[1]
TINY = "--config=identity_jax/configs/default.py:tiny"
SMALL = ("--config.cells.relu_fcn_5.model.fcn.width=16",)  # a faster tiny run; same for every workdir


def run(binary, *args, prefix=()):
  return subprocess.run([*prefix, sys.executable, str(REPO / "experiments" / f"{binary}.py"), *args],
                        capture_output=True, text=True, cwd=REPO, timeout=600)


def assert_error(out, *messages):
  assert out.returncode == 2, out.stdout[-2000:] + out.stderr[-3000:]
  for message in messages:
    assert message in out.stderr, out.stderr
  assert "error: " in out.stderr and "\n  fix: " in out.stderr, out.stderr
  assert "Traceback" not in out.stderr, out.stderr


def snapshot(root) -> dict:
  """Every file under root -> its digest (what 'nothing lost or changed' is checked against)."""
  root = pathlib.Path(root)
  return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
          for p in sorted(root.rglob("*")) if p.is_file() and p.name != ".lock"}


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
  """A finished tiny workdir, made once; each test works on its own copy."""
  root = tmp_path_factory.mktemp("faults") / "wd"
  out = run("main", TINY, f"--workdir={root}", "--quiet", *SMALL)
  assert out.returncode == 0, out.stderr[-3000:]
  return root


@pytest.fixture
def wd(finished, tmp_path):
  copy = tmp_path / "wd"
  shutil.copytree(finished, copy)
  return copy


def _read_only(path):
  """A command prefix that runs a binary with `path` mounted read-only (a mount namespace of its own;
  root bypasses file permissions, so chmod would prove nothing)."""
  probe = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "true"],
                         capture_output=True)
  if shutil.which("unshare") is None or probe.returncode != 0:
    pytest.skip("no unshare here to mount a directory read-only")
  return ("unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
          f'mount --bind -o ro "{path}" "{path}" && exec "$0" "$@"')


def test_read_only_workdir_is_named_and_left_as_it_was(wd, tmp_path):
  before = snapshot(wd)
  ro = _read_only(wd)
  assert_error(run("main", TINY, f"--workdir={wd}", *SMALL, prefix=ro), "cannot write in", str(wd))
  assert_error(run("plot", f"--workdir={wd}", prefix=ro), f"cannot write {wd}/")
  assert snapshot(wd) == before
  empty = tmp_path / "empty"
  empty.mkdir()
  assert_error(run("main", TINY, f"--workdir={empty}", *SMALL, prefix=_read_only(empty)),
               "cannot write in", str(empty))
  assert not any(empty.iterdir())


@pytest.mark.parametrize("damage, message, follow_the_fix", [
    (lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]), "is not valid JSON", True),
    (lambda p: p.write_text('{"not": "a result"}'), "is not a cell's result", False),
])
def test_damaged_result_json_is_named_and_the_fix_retrains_only_that_cell(wd, tmp_path, damage,
                                                                          message, follow_the_fix):
  result = wd / "cells" / "convnet_5" / "result.json"
  damage(result)
  before = snapshot(wd)
  for out in (run("plot", f"--workdir={wd}"), run("main", TINY, f"--workdir={wd}", *SMALL)):
    assert_error(out, str(result), message, "move it aside")
  page = tmp_path / "page"
  assert_error(run("report", f"--out={page}", str(wd)), str(result))
  assert not page.exists()  # no empty or half-written report left behind
  assert snapshot(wd) == before
  if not follow_the_fix:  # the same fix as above; run once
    return
  result.rename(result.with_name("result.json.bad"))  # the fix line's advice
  out = run("main", TINY, f"--workdir={wd}", *SMALL)
  assert out.returncode == 0, out.stderr[-3000:]
  assert "skipping finished cells: linear_1, relu_fcn_5" in out.stdout
  assert json.loads(result.read_text())["cell"] == "convnet_5"  # trained again


@pytest.mark.parametrize("name, binary, message", [
    ("config.json", "plot", "is not valid JSON"),
    ("experiment.json", "main", "is not valid JSON"),
    ("cells/linear_1/arrays.npz", "plot", "is not a readable .npz file"),
    ("cells/convnet_5/params.npz", "analyze", "is not a readable .npz file"),
])
def test_other_damaged_files_are_named_with_a_fix(wd, name, binary, message):
  path = wd / name
  path.write_bytes(path.read_bytes()[:100])
  before = snapshot(wd)
  args = (TINY, *SMALL) if binary == "main" else ()
  assert_error(run(binary, f"--workdir={wd}", *args), str(path), message)
  assert snapshot(wd) == before


def test_damaged_summary_is_rebuilt_by_plot(wd):
  (wd / "summary.json").write_text("{")
  out = run("plot", f"--workdir={wd}")
  assert out.returncode == 0, out.stderr[-3000:]
  assert json.loads((wd / "summary.json").read_text())["cells"].keys() == {
      "convnet_5", "linear_1", "relu_fcn_5"}


def test_a_run_too_large_for_the_memory_is_refused_before_anything_is_written(tmp_path):
  out = run("main", TINY, f"--workdir={tmp_path}/wd", *SMALL, "--config.num_seeds=1000000000")
  assert_error(out, "seeds", "more than the", "use at most")
  assert not (tmp_path / "wd").exists()


def test_a_run_that_fits_in_seed_chunks_is_told_the_chunk(tmp_path):
  # 64 seeds of the 2048-wide FCN: each seed's state is ~0.2 GB; the machine's memory cannot hold
  # all of them at once, but it can hold their final parameters.
  from identity_jax.configs import default
  from identity_jax.errors import ConfigError
  from identity_jax.study import cell as cell_lib
  from identity_jax.training import memory
  c = cell_lib.parse_all(default.get_config("quick"))["relu_fcn_5"]
  state, kept = memory.seed_bytes(c)
  available = int((c.num_seeds * kept + 3.5 * state) / memory.HEADROOM)
  with pytest.raises(ConfigError, match=r"--config.train.seed_chunk=3 \(same results\)"):
    memory.check(c, available)
  memory.check(c, int((c.num_seeds * (kept + state)) / memory.HEADROOM) + 1)  # all fit: no error


@pytest.mark.parametrize("args, message", [
    ((TINY, "--config.optim.learning_rate=inf"), "optim.learning_rate = inf is not a finite number"),
    ((TINY, "--config.train.fit_tolerance=nan"), "train.fit_tolerance = nan is not a finite number"),
    ((TINY, "--config.data.rhos=(0.5"), "data.rhos entry = '(0.5' is not a number"),
    ((TINY, "--config.metrics.test_sizes=abc"), "metrics.test_sizes entry = 'abc' is not a positive"),
    ((TINY, "--config.num_seeds='abc"), "--config.num_seeds = \"'abc\" is not a whole number"),
    (("--config=/nonexistent/study.py:quick",), "--config file /nonexistent/study.py does not exist"),
    ((TINY, "--config.optim.name='abc"), "unknown optim.name \"'abc\""),
    ((TINY, "--jax_distributed", "--num_processes=2", "--process_id=5"),
     "--jax_distributed without --coordinator_address"),
    ((TINY, "--jax_distributed", "--coordinator_address=127.0.0.1:1", "--num_processes=2",
      "--process_id=5"), "--process_id=5 is not in 0..1"),
])
def test_malformed_values_and_flags_are_named(tmp_path, args, message):
  out = run("main", *args, f"--workdir={tmp_path}/wd")
  assert_error(out, message)
  assert not (tmp_path / "wd").exists()


def test_a_config_file_without_get_config_is_named(tmp_path):
  bad = tmp_path / "study.py"
  bad.write_text("X = 1\n")
  out = run("main", f"--config={bad}:quick", f"--workdir={tmp_path}/wd")
  assert_error(out, str(bad), "get_config")
  assert not (tmp_path / "wd").exists()


def test_a_list_field_given_as_a_string_in_a_config_is_named():
  from identity_jax.configs import default
  from identity_jax.errors import ConfigError
  from identity_jax.study import cell as cell_lib
  record = cell_lib.resolve(default.get_config("tiny"))["convnet_5"]
  record["data"]["rhos"] = "(0.5"
  with pytest.raises(ConfigError, match=r"data.rhos = '\(0.5' is not a list") as e:
    cell_lib.Cell.parse("convnet_5", record)
  assert '--config.data.rhos="(0.0, 0.5, 1.0)"' in e.value.fix


_FULL_DISK = r"""
import hashlib, json, pathlib, shutil, subprocess, sys
src, disk, plot = map(pathlib.Path, sys.argv[1:4])
wd = disk / "wd"
shutil.copytree(src, wd)
digest = lambda: {str(p.relative_to(wd)): hashlib.sha256(p.read_bytes()).hexdigest()
                  for p in sorted(wd.rglob("*")) if p.is_file() and p.name != ".lock"}
before = digest()
free = shutil.disk_usage(disk).free
(disk / "filler").write_bytes(b"\0" * max(0, free - 20_000))  # leaves ~20 kB: too little for a figure
out = subprocess.run([sys.executable, str(plot), f"--workdir={wd}"], capture_output=True, text=True)
leftovers = [str(p) for p in wd.rglob(".*") if p.name != ".lock"]
print(json.dumps(dict(rc=out.returncode, stderr=out.stderr, same=digest() == before,
                      leftovers=leftovers)))
"""


def test_a_full_disk_fails_cleanly_and_keeps_every_file(wd, tmp_path):
  """plot on a nearly full disk (a small tmpfs): exit 2 naming the file, the previous files whole,
  no temporary file left behind."""
  ro = _read_only(tmp_path)  # skips where no mount namespace can be made
  disk = tmp_path / "disk"
  disk.mkdir()
  script = tmp_path / "full_disk.py"
  script.write_text(_FULL_DISK)
  out = subprocess.run(
      ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
       f'mount -t tmpfs -o size=32m tmpfs "{disk}" && exec "{sys.executable}" "{script}" "{wd}" '
       f'"{disk}" "{REPO / "experiments" / "plot.py"}"'], capture_output=True, text=True, timeout=600)
  assert ro and out.returncode == 0, out.stderr[-3000:]
  res = json.loads(out.stdout.strip().splitlines()[-1])
  assert res["rc"] == 2, res["stderr"][-3000:]
  assert "cannot write" in res["stderr"] and "No space left on device" in res["stderr"], res["stderr"]
  assert "\n  fix: " in res["stderr"] and "Traceback" not in res["stderr"]
  assert res["same"] and not res["leftovers"], res
