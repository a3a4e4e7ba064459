"""The notebooks run headless on tiny configs, so they cannot rot (their committed outputs come from
a real run of the quick preset)."""

import os
import pathlib

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = pathlib.Path(__file__).resolve().parents[1] / "notebooks"
ORDER = ("quickstart", "seed_distribution", "inside_the_networks")


def test_every_notebook_is_tested():
  assert {p.stem for p in NOTEBOOKS.glob("*.ipynb")} == set(ORDER)


@pytest.fixture(scope="module")
def workdirs(tmp_path_factory):
  return tmp_path_factory.mktemp("notebook_workdirs")


@pytest.mark.parametrize("name", ORDER)  # in order: the last one reuses the quickstart's workdir
def test_notebook_executes(name, workdirs, monkeypatch):
  monkeypatch.setenv("IDENTITY_JAX_NOTEBOOK_PRESET", "tiny")
  monkeypatch.setenv("IDENTITY_JAX_NOTEBOOK_WORKDIRS", str(workdirs))
  nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
  committed = [c for c in nb.cells if c.cell_type == "code" and c.get("outputs")]
  assert committed, f"{name}.ipynb is committed without outputs from a real run"
  NotebookClient(nb, timeout=600, kernel_name="python3",
                 resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
  images = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
            if "image/png" in o.get("data", {})]
  assert images, "the notebook showed no figure"
  errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
            if o.output_type == "error"]
  assert not errors
  assert any((workdirs / d / "summary.json").is_file() for d in os.listdir(workdirs))
