"""Study configs: each resolves and validates in every preset and documents itself; studies that
vary the data per cell, test at other sizes, or train on minibatches run end to end; figures are
redrawn from saved results alone."""

import importlib
import pathlib
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

from identity_jax import atomic
from identity_jax.errors import WorkdirError
from identity_jax.reporting import plots
from identity_jax.runs import experiment
from identity_jax.study import cell as cell_lib
from identity_jax.study import config as config_lib
from identity_jax.study import evaluate, workdir
from identity_jax.study import summary as summary_lib

REPO = pathlib.Path(__file__).resolve().parents[1]
STUDIES = config_lib.study_names()


def load(study, preset):
  return importlib.import_module(f"identity_jax.configs.{study}").get_config(preset)


@pytest.mark.parametrize("study", STUDIES)
def test_every_preset_validates_and_the_config_documents_itself(study):
  names = set()
  for preset in config_lib.PRESETS:
    cfg = load(study, preset)
    cells = cell_lib.parse_all(cfg)  # every cell validated, its model and optimizer built
    assert cells, (study, preset)
    for c in cells.values():
      assert c.module.cfg is c.model and c.model.depth >= 1
    names.add(cfg.name)
  assert len(names) == len(config_lib.PRESETS) - 1 or study == "default"  # tiny has its own name
  doc = importlib.import_module(f"identity_jax.configs.{study}").__doc__
  assert f"--config=identity_jax/configs/{study}.py:quick" in doc
  assert re.search(r"Runtime: quick \d", doc) or study == "default", "measured quick runtime"
  assert "Expected" in doc or study == "default"


def test_study_names_are_distinct():
  names = [load(s, "quick").name for s in STUDIES]
  assert len(set(names)) == len(names)


def test_unknown_preset_is_named():
  with pytest.raises(ValueError, match="unknown preset"):
    load("convnet_depth", "huge")


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
  """Cells that differ in data: image size 7 with tests at other sizes, 14, and every training
  image on minibatches."""
  cfg = config_lib.tiny(config_lib.base_config())
  cfg.name = "mixed"
  cfg.train.num_steps = 20
  cfg.train.num_snapshots = 2
  conv = config_lib.model("convnet", num_layers=2, channels=4)
  cfg.cells = {
      "s7": {"model": conv, "data": dict(image_size=7), "metrics": dict(test_sizes=[7, 14])},
      "s14": {"model": conv, "num_seeds": 3},  # more seeds than the others (2)
      "many": {"model": config_lib.model("fcn", hidden_layers=1, width=16),
               "data": dict(num_train="all"), "train": dict(batch_size=8)},
  }
  cfg.plots.sweep = "data.image_size"
  root = tmp_path_factory.mktemp("mixed") / "wd"
  summary = experiment.run(cfg, root, log=lambda _: None)
  return cfg, root, summary


def test_cells_train_on_their_own_data(mixed):
  _, root, summary = mixed
  study = summary_lib.load_study(root)
  s7, a7 = study.cells["s7"], study.cells["s7"].arrays
  a14, many = study.cells["s14"].arrays, study.cells["many"].arrays
  assert a7.train_images.shape == (1, 7, 7) and a7.grid_predictions.shape[-2:] == (7, 7)
  assert a14.train_images.shape == (1, 14, 14)
  assert many.train_images.shape == (evaluate.MAX_SAVED_TRAIN, 14, 14)
  assert "mnist" in study.cells["many"].data_sources
  assert study.cells["many"].config["data"]["num_train"] == "all"
  # The 7x7 cell was also tested at 14x14: per seed, in the summary, and as images for the grid.
  seed0 = s7.seeds[0].test_sizes
  assert set(seed0) == {"7", "14"} and set(seed0["14"]) == {"mnist", "patterns"}
  inputs, predictions = a7.sizes["14"]["patterns"]
  assert inputs.shape[-2:] == (14, 14) and predictions.shape[-2:] == (14, 14)
  assert predictions.shape[0] == len(s7.seeds)
  assert summary["cells"]["s7"]["test_sizes"]["7"]["patterns"]["corr_identity"]["n"] == len(s7.fitted)
  # At its own size the numbers equal the ordinary evaluation of the same suite.
  np.testing.assert_allclose(seed0["7"]["patterns"]["corr_identity"],
                             s7.seeds[0].suites["patterns"]["corr_identity"], rtol=1e-5)
  assert not summary["cells"]["s14"]["test_sizes"]
  # A cell with seeds of its own: trained, saved and counted with them, the others with the base's.
  assert len(study.cells["s14"].seeds) == 3 and a14.grid_predictions.shape[0] == 3
  assert len(s7.seeds) == len(study.cells["many"].seeds) == 2
  for name in ("sweep_corr.png", "sweep_mse.png", "test_sizes.png", "test_sizes_grid.png"):
    assert (root / name).is_file(), name


def test_redraw_recomputes_tables_and_figures_without_training(mixed):
  _, root, summary = mixed
  before = (root / "per_seed.jsonl").read_bytes()
  for name in ("per_seed.jsonl", "sweep_corr.png"):
    (root / name).unlink()
  atomic.write_json(root / "summary.json", dict(summary, cells={}))  # stale statistics
  written = experiment.redraw(root)
  assert "sweep_corr.png" in written and "test_sizes.png" in written
  assert (root / "per_seed.jsonl").read_bytes() == before
  again = workdir.read_json(root / "summary.json")
  assert again["cells"] == summary["cells"]
  assert again["environment"] == summary["environment"]  # the training run's, not the redraw's


def test_studies_side_by_side_are_one_strip_with_a_row_per_study(mixed, tmp_path):
  _, root, _ = mixed
  other = tmp_path / "other"
  shutil.copytree(root, other)
  atomic.write_json(other / "config.json", dict(workdir.read_json(other / "config.json"), name="other"))
  studies = [summary_lib.load_study(r, with_arrays=False) for r in (root, other)]
  both = summary_lib.side_by_side(studies)
  assert sorted(both.cells) == ["mixed:many", "mixed:s14", "mixed:s7", "other:many", "other:s14", "other:s7"]
  groups = summary_lib.layout({c: r.config for c, r in both.cells.items()}, both.ordered(),
                              "data.image_size", "study")
  assert groups == {"mixed": [(7, "mixed:s7"), (14, "mixed:many"), (14, "mixed:s14")],
                    "other": [(7, "other:s7"), (14, "other:many"), (14, "other:s14")]}
  assert both.stats["other:s14"] == studies[1].stats["s14"]  # the cells' numbers, unchanged
  out = subprocess.run([sys.executable, str(REPO / "experiments" / "plot.py"),
                        f"--compare={root},{other}", f"--out={tmp_path}/both"],
                       capture_output=True, text=True, timeout=300)
  assert out.returncode == 0, out.stderr
  assert {p.name for p in (tmp_path / "both").iterdir()} == {"phase.png", "sweep_corr.png",
                                                            "sweep_mse.png"}
  alone = subprocess.run([sys.executable, str(REPO / "experiments" / "plot.py"), f"--compare={root}"],
                         capture_output=True, text=True, timeout=300)
  assert alone.returncode != 0 and "give either --workdir, or --compare with --out" in alone.stderr


def test_redraw_refuses_a_directory_without_results(tmp_path):
  with pytest.raises(WorkdirError, match="no identity_jax experiment"):
    experiment.redraw(tmp_path)


def test_seeds_disagree_only_across_regimes():
  assert plots.disagree(["identity", "constant"])
  assert not plots.disagree(["identity", "identity", "diverged"])


def test_cell_steps_and_seeds_give_a_cell_its_own_quick_budget_and_name_an_unknown_cell():
  cfg = load("filter_size", "quick")
  budgets = {n: c.train.num_steps for n, c in cell_lib.parse_all(cfg).items()}
  assert budgets == dict(k5=6000, k9=6000, k15=4000, k29=1500, k57=1500)
  cfg = config_lib.base_config()
  cfg.name = "x"
  cfg.cells = {"a": {"model": config_lib.model("convnet", num_layers=1, channels=2)}}
  with pytest.raises(config_lib.ConfigError, match=r"(?s)cell_steps names cell 'b'.*use one of: a"):
    config_lib.apply_preset(cfg, "quick", num_seeds=2, num_steps=10, cell_steps=dict(b=20))
  with pytest.raises(config_lib.ConfigError, match=r"(?s)cell_seeds names cell 'b'.*use one of: a"):
    config_lib.apply_preset(cfg, "quick", num_seeds=2, num_steps=10, cell_seeds=dict(b=4))
  cfg.cells["c"] = {"model": config_lib.model("convnet", num_layers=2, channels=2)}
  config_lib.apply_preset(cfg, "quick", num_seeds=2, num_steps=10, cell_seeds=dict(c=4))
  parsed = cell_lib.parse_all(cfg)
  assert (parsed["a"].num_seeds, parsed["c"].num_seeds) == (2, 4)
  # A cell overriding anything else at the top level is refused, naming what it may override.
  cfg.cells["c"].seed = 3
  with pytest.raises(config_lib.ConfigError, match=r"(?s)overrides section 'seed'.*num_seeds"):
    cell_lib.parse_all(cfg)
