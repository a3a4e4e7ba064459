"""The binaries: --help documents the flags; every bad input a researcher can plausibly give is
reported in one style (error line, fix line, exit status 2, no traceback) and writes nothing."""

import pathlib
import subprocess
import sys

import pytest

from identity_jax.study import config as config_lib

REPO = pathlib.Path(__file__).resolve().parents[1]
TINY = "--config=identity_jax/configs/default.py:tiny"


def run(binary, *args):
  return subprocess.run([sys.executable, str(REPO / "experiments" / f"{binary}.py"), *args],
                        capture_output=True, text=True, cwd=REPO, timeout=300)


def assert_error(out, message):
  assert out.returncode == 2, out.stderr
  assert "error: " in out.stderr and message in out.stderr, out.stderr
  assert "\n  fix: " in out.stderr and "Traceback" not in out.stderr, out.stderr


@pytest.mark.parametrize("binary, flags", [
    ("main", ("--config", "--workdir", "--[no]quiet", "--[no]jax_distributed", "--cpu_devices")),
    ("analyze", ("--workdir", "--cells", "--max_seeds", "--cpu_devices")),
    ("plot", ("--workdir", "--compare", "--group_by", "--out")),
    ("studies", ("--study",)),
    ("least_loss", ("--workdir",)),
    ("compare_runs", ("--old", "--new")),
])
def test_help_documents_every_flag(binary, flags):
  out = run(binary, "--help")
  assert out.returncode == 1 and "Traceback" not in out.stderr  # absl exits 1 after --help
  assert f"experiments/{binary}.py" in out.stdout  # the usage line from the docstring
  for flag in flags:
    assert flag in out.stdout, flag


@pytest.mark.parametrize("args, message", [
    ((), "--config must have a value"),
    (("--config=identity_jax/configs/default.py:huge",), "unknown preset 'huge'"),
    (("--config=identity_jax/configs/nope.py:quick",), "--config file identity_jax/configs/nope.py does not exist"),
    ((TINY, "--config.model.depth=3"), "the config has no field depth"),
    ((TINY, "--config.num_seeds=abc"), "--config.num_seeds = 'abc' is not a whole number"),
    ((TINY, "--config.num_seeds=0"), "num_seeds = 0 is not a positive integer"),
    ((TINY, "--config.cells.convnet_5.model.name=resnet"), "unknown model.name 'resnet'"),
    ((TINY, "--config.cells.convnet_5.model.convnet.num_layers=0"), "ConvNet depth"),
    ((TINY, "--config.data.image_size=0"), "data.image_size"),
    ((TINY, "--config.data.suites=('mnist', 'cifar')"), "unknown data.suites entry 'cifar'"),
    ((TINY, "--config.data.rhos=(0.0, 1.5)"), "data.rhos entry 1.5 is outside [0, 1]"),
    ((TINY, "--config.metrics.regime_suite=cifar"), "metrics.regime_suite 'cifar'"),
    ((TINY, "--config.train.num_steps=-5"), "train.num_steps"),
    ((TINY, "--config.train.seeds_per_vmap=-3"), "train.seeds_per_vmap"),
    ((TINY, "--cpu_devices=-2"), "--cpu_devices = -2 is negative"),
])
def test_main_reports_bad_input(tmp_path, args, message):
  out = run("main", *args, f"--workdir={tmp_path}/wd")
  assert_error(out, message)
  assert not (tmp_path / "wd").exists()


@pytest.mark.parametrize("override, message", [
    ("--config.data.per_suite=3000", "asks for more digits than"),          # larger than the data
    ("--config.data.num_train=99999", "exceeds the 2500 training images"),
    ("--config.data.dir=/nonexistent/mnist", "/nonexistent/mnist"),          # a missing dataset
])
def test_main_reports_data_problems(tmp_path, override, message):
  out = run("main", TINY, f"--workdir={tmp_path}/wd", override)
  assert_error(out, message)
  assert not (tmp_path / "wd").exists()


def test_other_binaries_report_bad_workdirs_and_names(tmp_path):
  assert_error(run("plot", f"--workdir={tmp_path}"), "holds no identity_jax experiment")
  assert_error(run("analyze", f"--workdir={tmp_path}"), "holds no identity_jax experiment")
  assert_error(run("studies", "--study=nope"), "no study 'nope'")


def test_studies_lists_every_config_with_presets_and_runtime():
  out = run("studies")
  assert out.returncode == 0
  for study in ("convnet_depth", "multi_image", "optimizers", "default"):
    assert f"{study}: " in out.stdout and f"configs/{study}.py:quick" in out.stdout
  assert out.stdout.count("presets (cells): quick") == len(config_lib.study_names())


def test_least_loss_on_a_directory_without_an_experiment_says_so(tmp_path):
  assert_error(run("least_loss", f"--workdir={tmp_path}"), "holds no identity_jax experiment")
