"""The package as a user installs it: a wheel in a fresh virtual environment outside the checkout,
with its dependencies from the package index, and nothing from this source tree on the path."""

import os
import pathlib
import re
import subprocess
import sys
import venv

import pytest

REPO = pathlib.Path(__file__).resolve().parents[1]


def _run(args, cwd, timeout=900):
  env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
  out = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
  assert out.returncode == 0, f"{args}\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
  return out.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
  """(venv bin directory, a working directory outside the checkout)."""
  root = tmp_path_factory.mktemp("install")
  _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
        "-w", str(root / "dist"), str(REPO)], cwd=root)
  wheel, = (root / "dist").glob("identity_jax-*.whl")
  venv.create(root / "venv", with_pip=True)
  bin_dir = root / "venv" / "bin"
  _run([str(bin_dir / "python"), "-m", "pip", "install", "-q", str(wheel)], cwd=root)
  work = root / "user"
  work.mkdir()
  return bin_dir, work


def test_the_wheel_ships_the_configs_and_the_offline_digits(installed):
  bin_dir, work = installed
  where = _run([str(bin_dir / "python"), "-c", "import identity_jax, identity_jax.datasets as d; "
                "print(identity_jax.__file__); print(d.offline_mnist().train_images.shape)"], cwd=work)
  path, shape = where.split("\n")[:2]
  assert REPO not in pathlib.Path(path).parents and "site-packages" in path
  assert shape == "(2500, 28, 28)"
  listed = _run([str(bin_dir / "pip"), "list", "--format=freeze"], cwd=work).lower()
  for heavy in ("pandas", "scikit-learn", "mlxtend"):
    assert f"\n{heavy}==" not in "\n" + listed, heavy


def test_console_scripts_list_the_studies_and_run_a_tiny_one(installed):
  bin_dir, work = installed
  studies = _run([str(bin_dir / "identity-jax-studies")], cwd=work)
  assert "convnet_depth: " in studies and "schedules: " in studies
  config = re.search(r"--config=(\S+/default\.py):quick", studies).group(1)
  assert pathlib.Path(config).is_file() and REPO not in pathlib.Path(config).parents
  _run([str(bin_dir / "identity-jax-run"), f"--config={config}:tiny", "--workdir=wd", "--quiet",
        "--config.cells.relu_fcn_5.model.width=16"], cwd=work)
  assert (work / "wd" / "summary.json").is_file() and (work / "wd" / "prediction_grid.png").is_file()
  redrawn = _run([str(bin_dir / "identity-jax-plot"), "--workdir=wd"], cwd=work)
  assert "sweep_corr.png" in redrawn
  helped = subprocess.run([str(bin_dir / "identity-jax-analyze"), "--help"], cwd=work,
                          capture_output=True, text=True)
  assert "--max_seeds" in helped.stdout and "--cpu_devices" in helped.stdout
