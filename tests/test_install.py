"""The package as a user meets it: a wheel in a fresh virtual environment outside the checkout, with
its dependencies from the package index and nothing from this source tree on the path; and the
notebooks as a fresh Colab runtime meets them (their own first cell installs the package)."""

import os
import pathlib
import re
import subprocess
import sys
import venv

import pytest

REPO = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
ORDER = ("quickstart", "seed_distribution", "inside_the_networks", "your_own_model")  # the third
# reuses the first's workdir


def test_every_notebook_is_listed():
  assert {p.stem for p in NOTEBOOKS.glob("*.ipynb")} == set(ORDER)


@pytest.mark.parametrize("name", ORDER)
def test_notebook_is_committed_with_outputs_and_installs_first(name):
  import nbformat
  nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
  code = [c for c in nb.cells if c.cell_type == "code"]
  assert any(c.get("outputs") for c in code), f"{name}.ipynb is committed without outputs"
  assert "%pip install" in code[0].source, "the first code cell installs the package"
  assert "make wheel" in code[0].source and "identity_jax-*.whl" in code[0].source  # no public URL
  assert "import identity_jax" not in code[0].source and "from identity_jax" not in code[0].source


def _run(args, cwd, timeout=900, env=None):
  clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
  out = subprocess.run(args, cwd=cwd, env={**clean, **(env or {})}, capture_output=True, text=True,
                       timeout=timeout)
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
  where = _run([str(bin_dir / "python"), "-c", "import identity_jax, identity_jax.data.datasets as d; "
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
        "--config.cells.relu_fcn_5.model.fcn.width=16"], cwd=work)
  assert (work / "wd" / "summary.json").is_file() and (work / "wd" / "prediction_grid.png").is_file()
  redrawn = _run([str(bin_dir / "identity-jax-plot"), "--workdir=wd"], cwd=work)
  assert "sweep_corr.png" in redrawn
  _run([str(bin_dir / "identity-jax-report"), "--out=page", "wd"], cwd=work)  # outside the checkout
  assert "default_tiny" in (work / "page" / "index.html").read_text()
  assert (work / "page" / "default_tiny" / "grid_convnet_5.png").is_file()
  helped = subprocess.run([str(bin_dir / "identity-jax-analyze"), "--help"], cwd=work,
                          capture_output=True, text=True)
  assert "--max_seeds" in helped.stdout and "--cpu_devices" in helped.stdout
  # Errors name what an installed user has: console scripts and the installed configs.
  bad = subprocess.run([str(bin_dir / "identity-jax-run"), "--config=nope.py:quick", "--workdir=x"],
                       cwd=work, capture_output=True, text=True)
  assert bad.returncode == 2 and "identity-jax-studies" in bad.stderr, bad.stderr
  assert "experiments/" not in bad.stderr and str(REPO) not in bad.stderr, bad.stderr
  assert str(pathlib.Path(config).parent) in bad.stderr, bad.stderr
  # The results/ tools: publish, compare a cell with its published copy, RESULTS.md's tables.
  _run([str(bin_dir / "identity-jax-publish"), "--workdir=wd", "--results=pub"], cwd=work)
  assert (work / "pub" / "default_tiny" / "cells" / "linear_1" / "result.json").is_file()
  same = _run([str(bin_dir / "identity-jax-compare-runs"), "--old=wd/cells/linear_1",
               "--new=pub/default_tiny/cells/linear_1"], cwd=work)
  assert "same outcome 2/2; moved: none" in same, same
  table = subprocess.run([str(bin_dir / "identity-jax-results-table"), "--check"], cwd=work,
                         capture_output=True, text=True)
  assert table.returncode == 2 and "no RESULTS.md here" in table.stderr, table.stderr
  helped = subprocess.run([str(bin_dir / "identity-jax-least-loss"), "--help"], cwd=work,
                          capture_output=True, text=True)
  assert "--workdir" in helped.stdout, helped.stdout  # (absl exits 1 after --help)


_EXECUTE = """
import sys, nbformat, nbclient
nb = nbformat.read(sys.argv[1], 4)
nbclient.NotebookClient(nb, timeout=900, kernel_name="python3",
                        resources={"metadata": {"path": sys.argv[2]}}).execute()
nbformat.write(nb, sys.argv[1])
"""


def test_notebooks_run_as_a_fresh_colab_meets_them(installed, tmp_path):
  """Each notebook, copied outside the repository, in an environment holding identity_jax's
  dependencies but not identity_jax, beside the wheel a user uploaded (the repository has no public
  URL): its own first cell finds and installs the wheel (non-editable) and the next cells import it
  in the same kernel, as on Colab."""
  import nbformat
  bin_dir, work = installed
  _run([str(bin_dir / "python"), "-m", "pip", "install", "-q", "ipykernel", "nbclient", "nbformat"],
       cwd=work)
  _run([str(bin_dir / "python"), "-m", "pip", "uninstall", "-y", "-q", "identity_jax"], cwd=work)
  wheel, = (work.parent / "dist").glob("identity_jax-*.whl")
  colab = tmp_path / "content"
  colab.mkdir()
  (colab / wheel.name).write_bytes(wheel.read_bytes())  # uploaded through Colab's Files pane
  env = dict(IDENTITY_JAX_NOTEBOOK_PRESET="tiny", IDENTITY_JAX_NOTEBOOK_WORKDIRS=str(colab / "workdirs"))
  for name in ORDER:
    copy = colab / f"{name}.ipynb"
    copy.write_bytes((NOTEBOOKS / f"{name}.ipynb").read_bytes())
    _run([str(bin_dir / "python"), "-c", _EXECUTE, str(copy), str(colab)], cwd=colab, env=env)
    nb = nbformat.read(copy, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"], name
    assert any("image/png" in o.get("data", {}) for o in outputs), f"{name} showed no figure"
  assert any((colab / "workdirs" / d / "summary.json").is_file()
             for d in ("notebook_quickstart_tiny", "notebook_seeds_tiny"))
  where = _run([str(bin_dir / "python"), "-c", "import identity_jax; print(identity_jax.__file__)"],
               cwd=colab)
  assert "site-packages" in where and str(REPO) not in where
