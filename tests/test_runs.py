"""Running an experiment (runs/experiment.py, publish.py) end to end on the tiny preset: results,
figures, reruns, refusals, publishing."""

import hashlib
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

import jax
import numpy as np
import pytest

from identity_jax import atomic
from identity_jax.errors import ConfigError, WorkdirError
from identity_jax.measures import metrics
from identity_jax.reporting import claims, figure_registry, plots, tables
from identity_jax.runs import experiment
from identity_jax.study import config, paths, results, workdir
from identity_jax.study import summary as summary_lib

REPO = pathlib.Path(__file__).resolve().parents[1]


def two_cells(cfg):
  """tiny preset cut to two cheap cells (the linear one at a constant rate, so that it fits in 40
  steps: the paper schedule's cap, 30% of them, is too short for it)."""
  cfg.cells = {"convnet_2": {"model": config.model("convnet", num_layers=2, channels=4)},
               "linear_1": {"model": config.model("fcn", hidden_layers=0, activation="linear"),
                            "optim": dict(schedule="constant")}}
  cfg.train.num_steps = 40
  return cfg


def snapshot(root):
  return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*"))
          if p.is_file()}


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
  from identity_jax.configs import default
  cfg = two_cells(default.get_config("tiny"))
  root = tmp_path_factory.mktemp("wd") / "run"
  lines = []
  summary = experiment.run(cfg, root, log=lines.append)
  return cfg, root, summary, lines


def test_results_per_cell_per_seed_per_suite(finished):
  cfg, root, summary, lines = finished
  for name in ("experiment.json", "config.json", "summary.json", "per_seed.jsonl",
               "prediction_grid.png", "heatmap_corr.png", "heatmap_mse.png", "suites_corr.png",
               "loss.png"):
    assert (root / name).is_file(), name
  rows = [json.loads(l) for l in (root / "per_seed.jsonl").read_text().splitlines()]
  suites = {"mnist", "fashion", "blends", "patterns", "random", "rho_0.00", "rho_1.00"}
  assert len(rows) == 2 * cfg.num_seeds * len(suites)
  assert {r["suite"] for r in rows} == suites and {r["cell"] for r in rows} == {"convnet_2", "linear_1"}
  result = workdir.read_json(root / "cells" / "linear_1" / "result.json")
  # every seed records where its loss stopped moving (-1: still moving at the end)
  assert all(isinstance(s["loss_frozen_at"], int) and -1 <= s["loss_frozen_at"] <= 40
             for s in result["seeds"])
  assert result["config"]["model"]["hidden_layers"] == 0 and len(result["seeds"]) == cfg.num_seeds
  assert result["timing"]["seed_steps_per_second"] > 0
  env = summary["environment"]
  assert env["backend"] == "cpu" and env["jax"] and env["devices"]
  assert result["timing"]["cpu"] == env["cpu"]  # per cell: a study's cells may run on other machines
  assert any(l.startswith("[convnet_2] step 40/40 ") and "seed-steps/s" in l for l in lines)


def test_summary_recomputes_from_per_seed_rows(finished):
  _, root, summary, _ = finished
  rows = [json.loads(l) for l in (root / "per_seed.jsonl").read_text().splitlines()]
  vals = [r["corr_identity"] for r in rows if r["cell"] == "convnet_2" and r["suite"] == "mnist"
          and r["status"] == "fitted"]
  assert vals and summary["cells"]["convnet_2"]["suites"]["mnist"]["corr_identity"]["n"] == len(vals)
  assert np.isclose(summary["cells"]["convnet_2"]["suites"]["mnist"]["corr_identity"]["mean"],
                    np.mean(vals))


def test_rho_one_input_is_the_training_image(finished):
  """At rho = 1 the input IS the training image: identity and constant references coincide."""
  _, _, summary, _ = finished
  fitted = [c for c in summary["cells"].values() if c["status_counts"]["fitted"]]
  assert fitted
  for cell in fitted:
    s = cell["suites"]["rho_1.00"]
    assert np.isclose(s["corr_identity"]["mean"], s["corr_constant"]["mean"], atol=1e-5)


def test_rerun_skips_finished_cells_and_changes_no_result(finished):
  cfg, root, _, _ = finished
  before = {p: h for p, h in snapshot(root).items() if "cells" in p.parts}
  lines = []
  experiment.run(cfg, root, log=lines.append)
  assert any("skipping finished cells: convnet_2, linear_1" in l for l in lines)
  assert {p: h for p, h in snapshot(root).items() if "cells" in p.parts} == before


def test_figures_are_pure_functions_of_the_loaded_results(finished):
  cfg, root, _, _ = finished
  study = summary_lib.load_study(root)
  fig = plots.prediction_grid(study)
  labels = [ax.get_ylabel() for ax in fig.axes if ax.get_ylabel()]
  # one input row (both cells train on the same image), then a row per seed of each cell
  assert labels[0] == "input (1 train)" and len(labels) == 1 + 2 * cfg.num_seeds
  assert labels[1].startswith("convnet_2\nseed 0 (") and labels[3].startswith("linear_1\nseed 0 (")
  grid = study.cells["convnet_2"].arrays.grid_inputs
  assert len(fig.axes) == len(labels) * (1 + len(grid))
  (root / "prediction_grid.png").unlink()
  written = figure_registry.draw_study(study)
  assert "prediction_grid.png" in written and (root / "prediction_grid.png").is_file()
  assert "phase.png" not in written  # no sweep x group_by in this config


def test_changed_cell_is_refused_and_nothing_is_touched(finished):
  cfg, root, _, _ = finished
  before = snapshot(root)
  changed = cfg.copy_and_resolve_references()
  changed.cells.convnet_2.model.convnet.channels = 8
  with pytest.raises(WorkdirError, match="convnet_2.*channels: 4 -> 8") as e:
    experiment.run(changed, root, log=lambda _: None)
  assert "new --workdir" in str(e.value)
  assert snapshot(root) == before


def more_seeds(cfg, cell="convnet_2", add=2):
  cfg = cfg.copy_and_resolve_references()
  cfg.cells[cell].num_seeds = cfg.num_seeds + add
  return cfg


def test_more_seeds_for_a_finished_cell_train_only_the_new_ones(finished, tmp_path):
  """Raising a finished cell's num_seeds trains seeds 2-3 alone and joins them to seeds 0-1, kept
  as they were: the cell then equals one trained with 4 seeds from the start."""
  cfg, root, _, _ = finished
  grown_root = tmp_path / "grown"
  shutil.copytree(root, grown_root)
  cell_dir = paths.cell_dir(grown_root, "convnet_2")
  before = workdir.read_json(cell_dir / paths.RESULT)
  four = more_seeds(cfg)
  lines = []
  experiment.run(four, grown_root, log=lines.append)
  assert any("skipping finished cells: linear_1" in l for l in lines)
  assert any("[convnet_2] seeds 2-3 added to the 2 it held" in l for l in lines)
  assert not any("not kept" in l for l in lines)  # seeds 0-1 had parameters: joined (below)
  progress = [l for l in lines if l.startswith("[convnet_2] step")]
  assert progress and all(re.search(r"fitted \d/2 diverged \d/2", l) for l in progress)  # 2 seeds
  grown = workdir.read_json(cell_dir / paths.RESULT)
  assert grown["seeds"][:2] == before["seeds"] and [s["seed"] for s in grown["seeds"]] == [0, 1, 2, 3]
  assert grown["config"]["num_seeds"] == 4
  experiment.run(four, tmp_path / "fresh", log=lambda _: None)
  fresh = workdir.read_json(paths.cell_dir(tmp_path / "fresh", "convnet_2") / paths.RESULT)
  for a, b in zip(grown["seeds"], fresh["seeds"]):
    assert (a["seed"], a["status"], a["regime"]) == (b["seed"], b["status"], b["regime"])
    np.testing.assert_allclose(a["final_loss"], b["final_loss"], rtol=1e-4)
    for suite, ms in a["suites"].items():
      for m, v in ms.items():
        np.testing.assert_allclose(v, b["suites"][suite][m], rtol=1e-3, atol=1e-5, err_msg=m)
  arrays = results.load(cell_dir).arrays
  assert arrays.loss_history.shape[0] == arrays.grid_predictions.shape[0] == 4
  assert all(v.shape[0] == 4 for ms in arrays.per_image.values() for v in ms.values())
  params = results.load_params(cell_dir / paths.PARAMS)
  assert all(leaf.shape[0] == 4 for leaf in jax.tree.leaves(params))
  study = summary_lib.load_study(grown_root)
  assert len(study.cells["convnet_2"].seeds) == 4
  rows = [json.loads(l) for l in (grown_root / paths.PER_SEED).read_text().splitlines()]
  assert sorted({r["seed"] for r in rows if r["cell"] == "convnet_2"}) == [0, 1, 2, 3]

  # A join cut short (arrays and parameters of 4 seeds written, result.json still of 2) is redone
  # from the 2 seeds the result holds, not from the 4 the arrays hold.
  atomic.write_json(cell_dir / paths.RESULT, before)
  experiment.run(four, grown_root, log=lambda _: None)
  again = workdir.read_json(cell_dir / paths.RESULT)
  assert again["seeds"] == grown["seeds"]
  assert results.load(cell_dir).arrays.loss_history.shape[0] == 4

  # Seeds are added, never removed; nor added to a cell still training with its old count.
  snap = snapshot(grown_root)
  with pytest.raises(WorkdirError, match="holds 4 seeds of cell 'convnet_2', more than the 3") as e:
    experiment.run(more_seeds(cfg, add=1), grown_root, log=lambda _: None)
  assert "not removed" in str(e.value) and snapshot(grown_root) == snap


def test_adding_seeds_resumes_after_a_kill(finished, tmp_path):
  """A job killed while adding seeds resumes them from their checkpoint, to the same result."""
  cfg = finished[0].copy_and_resolve_references()
  cfg.train.checkpoint_minutes = 0.0  # save after every chunk; does not change any result
  experiment.run(cfg, tmp_path / "whole", log=lambda _: None)
  shutil.copytree(tmp_path / "whole", tmp_path / "killed")
  four = more_seeds(cfg)
  experiment.run(four, tmp_path / "whole", log=lambda _: None)

  def killed(line):
    if line.startswith("[convnet_2] step 20/"):
      raise KeyboardInterrupt
  with pytest.raises(KeyboardInterrupt):
    experiment.run(four, tmp_path / "killed", log=killed)
  lines = []
  experiment.run(four, tmp_path / "killed", log=lines.append)
  assert any(l.startswith("[convnet_2] resumed from the checkpoint at step 20") for l in lines)
  read = lambda wd: workdir.read_json(paths.cell_dir(tmp_path / wd, "convnet_2") / paths.RESULT)
  assert read("killed")["seeds"] == read("whole")["seeds"]
  assert not (paths.cell_dir(tmp_path / "killed", "convnet_2") / paths.CHECKPOINT).exists()


def test_a_cell_trained_in_blocks_of_seeds_goes_on_from_results_on_a_new_machine(finished, tmp_path):
  """--max_new_seeds: a block of a cell's seeds is saved as a result that counts in no statistic
  until the cell holds all its seeds; publish keeps it; a workdir rebuilt from results/ alone (a
  new machine) adds the next block, and the cell equals one trained whole."""
  from identity_jax.runs import publish
  cfg = more_seeds(finished[0])  # convnet_2 asks for 4 seeds, linear_1 for 2
  first = tmp_path / "first"
  lines = []
  experiment.run(cfg, first, log=lines.append, max_new_seeds=3)
  assert any("[convnet_2] holds 3 of its 4 seeds: unfinished" in l for l in lines)
  assert "unfinished, trained in blocks of seeds: convnet_2 3/4 seeds; rerun to add the next" in lines
  study = summary_lib.load_study(first)
  assert list(study.cells) == ["linear_1"] and study.partial == {"convnet_2": (3, 4)}
  assert {json.loads(l)["cell"] for l in (first / paths.PER_SEED).read_text().splitlines()} \
      == {"linear_1"}
  with pytest.raises(WorkdirError, match=r"convnet_2 \(3/4 seeds\) have not finished"):
    publish.publish(first, tmp_path / "results")
  dest = publish.publish(first, tmp_path / "results", partial=True)
  record = claims.load_study_dir(dest)
  assert record.summary.partial == {"convnet_2": (3, 4)} and "convnet_2" not in record.cells
  claim = claims.Claim(text="", figure="", study=cfg.name, expect={"convnet_2": "identity"})
  assert claims.judge(claim, {cfg.name: record}) == \
      "pending: cells convnet_2 (3/4 seeds so far) not in results"

  rebuilt = tmp_path / "rebuilt"  # only what results/ holds: no arrays, parameters or checkpoints
  shutil.copytree(dest, rebuilt)
  block = paths.cell_dir(rebuilt, "convnet_2") / paths.RESULT
  held = workdir.read_json(block)  # as if its earlier blocks had run on two machines, this one last
  mine = held["timing"]["cpu"]
  held["timing"]["cpu"] = f"Old CPU; {mine}"
  atomic.write_json(block, held)
  lines = []
  experiment.run(cfg, rebuilt, log=lines.append, max_new_seeds=3)
  assert any("[convnet_2] seed 3 added to the 3 it held" in l for l in lines)
  assert any("[convnet_2] parameters of seed 3 not kept: the 3 seeds it held have none saved" in l
             for l in lines)
  assert not (paths.cell_dir(rebuilt, "convnet_2") / paths.PARAMS).exists()
  assert any("skipping finished cells: linear_1" in l for l in lines)
  experiment.run(cfg, tmp_path / "whole", log=lambda _: None)
  read = lambda wd: workdir.read_json(paths.cell_dir(wd, "convnet_2") / paths.RESULT)["seeds"]
  for a, b in zip(read(rebuilt), read(tmp_path / "whole"), strict=True):
    assert (a["seed"], a["status"], a["regime"]) == (b["seed"], b["status"], b["regime"])
    np.testing.assert_allclose(a["final_loss"], b["final_loss"], rtol=1e-4)
  grown = results.load(paths.cell_dir(rebuilt, "convnet_2"))
  assert grown.arrays is None  # seeds 0-2 had none
  assert grown.timing["cpu"] == f"Old CPU; {mine}"  # each machine once, however many blocks
  study = summary_lib.load_study(rebuilt)
  assert not study.partial and len(study.cells["convnet_2"].seeds) == 4
  with pytest.raises(ConfigError, match="--max_new_seeds = -1 is not a count"):
    experiment.run(cfg, tmp_path / "bad", max_new_seeds=-1)
  assert not (tmp_path / "bad").exists()

  # a study whose only trained cell is a block: summary.json names it, so it is published (and a
  # new machine goes on from results/) before any cell has finished
  lines = []
  experiment.run(cfg, tmp_path / "blocks_only", log=lines.append, only=["convnet_2"],
                 max_new_seeds=1)
  assert "unfinished, trained in blocks of seeds: convnet_2 1/4 seeds; rerun to add the next" in lines
  assert experiment.redraw(tmp_path / "blocks_only") == []  # no figures: no finished cell
  dest = publish.publish(tmp_path / "blocks_only", tmp_path / "results2", partial=True)
  record = claims.load_study_dir(dest)
  assert record.summary.partial == {"convnet_2": (1, 4)} and not record.cells
  assert claims.judge(claim, {cfg.name: record}) == \
      "pending: cells convnet_2 (1/4 seeds so far) not in results"
  cells_md = tables.cells_table({cfg.name: record})  # the block named, no empty table
  assert "counted nowhere until whole: `convnet_2` 1/4 seeds" in cells_md and "| cell |" not in cells_md
  assert len(tables.cost_table({cfg.name: record}).splitlines()) == 2  # its header: nothing finished


def test_seeds_are_not_added_to_a_cell_still_training(finished, tmp_path):
  cfg, root, _, _ = finished
  shutil.copytree(root, tmp_path / "wd")
  cell_dir = paths.cell_dir(tmp_path / "wd", "convnet_2")
  (cell_dir / paths.RESULT).unlink()
  (cell_dir / paths.CHECKPOINT).mkdir()  # as a killed run leaves it
  snap = snapshot(tmp_path / "wd")
  with pytest.raises(WorkdirError, match="num_seeds: 2 -> 4") as e:
    experiment.run(more_seeds(cfg), tmp_path / "wd", log=lambda _: None)
  assert "let the run with 2 seeds finish first" in str(e.value)
  assert snapshot(tmp_path / "wd") == snap


def test_other_experiment_is_refused(finished):
  cfg, root, _, _ = finished
  other = cfg.copy_and_resolve_references()
  other.name = "something_else"
  with pytest.raises(WorkdirError, match="holds results of experiment 'default_tiny'"):
    experiment.run(other, root, log=lambda _: None)


def test_foreign_nonempty_workdir_is_refused(tmp_path, tiny_config):
  (tmp_path / "notes.txt").write_text("mine")
  with pytest.raises(WorkdirError, match="not empty"):
    experiment.run(two_cells(tiny_config), tmp_path, log=lambda _: None)
  assert (tmp_path / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize("cells, message", [
    ({"c": {"model": {"depth": 3}}}, "sets model.depth, not a section of model.name 'convnet'"),
    ({"c": {"model": {"convnet": {"depth": 3}}}}, "unknown field model.convnet.depth"),
    ({"c": {"plots": {"sweep": "x"}}}, "may override only"),
    ({"c": {"data": {"image_size": 0}}}, "data.image_size"),
    ({"c": {"model": {"name": "fcn"}, "metrics": {"test_sizes": [7]}}}, "takes any input size"),
    ({"c": {"train": {"batch_size": -1}}}, "train.batch_size"),
    ({"c": {"train": {"batch_size": 0}}}, "(?s)batch_size = 0 is the old spelling.*None"),
    ({"c": {"train": {"seeds_per_vmap": -1}}}, "(?s)old spelling.*'auto'"),
    ({"c": {"data": {"num_train": -1}}}, "(?s)old spelling.*'all'"),
    ({"c": {"model": {"name": "fcn", "convnet": {"channels": 3}}}}, "(?s)sets model.convnet, not a "
     "section of model.name 'fcn'.*model.fcn"),
    ({"c": {"model": {"name": "fcn", "channels": 3}}}, "sets model.channels, not a section"),
    ({"c": {"model": {"name": "convnet", "convnet": {"num_layers": 0}}}}, "ConvNet depth"),
])
def test_bad_cells_fail_before_the_workdir_is_created(tmp_path, tiny_config, cells, message):
  tiny_config.cells = cells
  with pytest.raises(ConfigError, match=message):
    experiment.run(tiny_config, tmp_path / "wd", log=lambda _: None)
  assert not (tmp_path / "wd").exists()


def run_binary(*args):
  return subprocess.run([sys.executable, str(REPO / "experiments" / "main.py"), *args],
                        capture_output=True, text=True, cwd=REPO, timeout=300)


@pytest.mark.parametrize("override, message", [
    ("--config.model.convnet.init=glorot", "unknown model.init 'glorot'"),
    ("--config.optim.learning_rate=-0.01", "optim.learning_rate = -0.01 is not a positive number"),
    ("--config.optim.name=sgdd", "unknown optim.name 'sgdd'"),
    ("--max_new_seeds=-1", "--max_new_seeds = -1 is not a count of seeds"),
])
def test_binary_reports_bad_input_without_traceback(tmp_path, override, message):
  out = run_binary("--config=identity_jax/configs/default.py:tiny", f"--workdir={tmp_path}/wd",
                   override)
  assert out.returncode == 2
  assert message in out.stderr and "fix:" in out.stderr and "Traceback" not in out.stderr
  assert not (tmp_path / "wd").exists()


def test_interrupted_experiment_resumes_to_the_same_results(finished, tmp_path):
  cfg, root, _, _ = finished
  cfg = cfg.copy_and_resolve_references()
  cfg.train.checkpoint_minutes = 0.0  # save after every chunk; does not change any result
  progress_lines = []

  def killed(line):
    if line.startswith("[convnet_2] step"):
      progress_lines.append(line)
      if len(progress_lines) == 2:
        raise KeyboardInterrupt  # as if the job were stopped after step 20 of 40
  with pytest.raises(KeyboardInterrupt):
    experiment.run(cfg, tmp_path / "wd", log=killed)
  lines = []
  experiment.run(cfg, tmp_path / "wd", log=lines.append)
  assert any("[convnet_2] resumed from the checkpoint at step 20 (training time before it: " in l
             for l in lines)
  for cell in ("convnet_2", "linear_1"):
    again = workdir.read_json(tmp_path / "wd" / "cells" / cell / "result.json")
    reference = workdir.read_json(root / "cells" / cell / "result.json")
    assert again["seeds"] == reference["seeds"], cell  # every metric of every seed, exactly
    assert "earlier_seconds" not in reference["timing"]
    assert not (tmp_path / "wd" / "cells" / cell / "checkpoint").exists()
  # The resumed cell's time counts the killed process's, up to its save.
  timing = workdir.read_json(tmp_path / "wd" / "cells" / "convnet_2" / "result.json")["timing"]
  assert 0 < timing["earlier_seconds"] < timing["train_seconds"]


def test_analyses_of_a_workdir_from_saved_and_from_retrained_params(finished, tmp_path):
  import shutil

  from identity_jax.analyses import figures, run
  cfg, root, _, _ = finished
  copy = tmp_path / "copy"
  shutil.copytree(root, copy)
  written = figure_registry.draw_analyses(copy, run.analyze(copy, log=lambda _: None))
  for name in ("collapse.png", "weight_change.png", "layers_convnet_2.png", "upper_convnet_2.png",
               "sizes_convnet_2.png"):
    assert name in written and (copy / name).is_file(), name
  assert "layers_linear_1.png" not in written  # FCN layers are not images
  numbers_, pics = run.load(copy)
  n_seeds = len(numbers_["convnet_2"]["seeds"])
  # 2 layers x (init, trained, trained on 2x) x (top singular vector, best channel, channel 0)
  assert len(figures.layers_figure(pics, "convnet_2").axes) == 2 * 9
  assert len(figures.upper_figure(pics, "convnet_2").axes) == (1 + 2) * 6  # inputs, top 1, top 2
  assert len(figures.sizes_figure(numbers_, pics, "convnet_2").axes) == (1 + n_seeds) * 5
  numbers = workdir.read_json(copy / "analyses.json")
  conv = numbers["convnet_2"]
  fitted = [s["seed"] for s in workdir.read_json(root / "cells" / "convnet_2" / "result.json")["seeds"]
            if s["status"] == "fitted"]
  assert conv["seeds"] == fitted  # only fitted seeds have a learned function to analyze
  assert np.array(conv["collapse_trained"]).shape == (len(fitted), 3)  # input + 2 layers
  assert set(conv["weight_change"]) == {"layer_0", "layer_1"}
  assert all(v > 0 for v in conv["weight_change"]["layer_0"]["kernel"])  # trained, so moved
  # Upper subnetworks as numbers (Fig 20-22): the top 2 layers of a 2-layer net are the net, so
  # their correlations on the patterns are the ones training recorded for those seeds.
  assert set(conv["upper"]) == {"top_1", "top_2"}
  by_seed = {s["seed"]: s["suites"]["patterns"]
             for s in workdir.read_json(root / "cells" / "convnet_2" / "result.json")["seeds"]}
  for k in metrics.METRICS:  # all six, as training records them
    np.testing.assert_allclose(conv["upper"]["top_2"][k], [by_seed[s][k] for s in fitted],
                               rtol=1e-4, atol=1e-5)
  assert conv["upper"]["top_1"]["corr_identity"] != conv["upper"]["top_2"]["corr_identity"]
  assert np.array(numbers["untrained_convnet_20"]["collapse"]).shape == (min(cfg.num_seeds, 2), 21)
  # Without saved parameters the cell is retrained from its recorded config: same numbers.
  (copy / "cells" / "linear_1" / "params.npz").unlink()
  lines = []
  run.analyze(copy, cells=["linear_1"], log=lines.append)
  assert any("retraining" in l for l in lines)
  again = workdir.read_json(copy / "analyses.json")
  np.testing.assert_allclose(again["linear_1"]["weight_change"]["layer_0"]["kernel"],
                             numbers["linear_1"]["weight_change"]["layer_0"]["kernel"], rtol=1e-6)
  # Analyzing one cell keeps the others' analyses while they describe their cell's result.json...
  assert again["convnet_2"] == numbers["convnet_2"] and list(again) == list(numbers)
  assert (copy / "layers_convnet_2.png").is_file()
  # ...and drops one whose cell was retrained since, with its figures.
  result = workdir.read_json(copy / "cells" / "convnet_2" / "result.json")
  result["seeds"][0]["final_loss"] *= 2
  atomic.write_json(copy / "cells" / "convnet_2" / "result.json", result)
  lines = []
  analyzed = run.analyze(copy, cells=["linear_1"], log=lines.append)
  assert any(l.startswith("[convnet_2] dropped its earlier analysis") for l in lines), lines
  assert set(workdir.read_json(copy / "analyses.json")) == {"linear_1", "untrained_convnet_20"}
  assert (copy / "layers_convnet_2.png").exists()  # until the next drawing, which deletes it
  assert figure_registry.draw_analyses(copy, analyzed) and not (copy / "layers_convnet_2.png").exists()
  # results/ holds no analyses.npz: the figures drawn from numbers alone are redrawn there.
  (copy / "analyses.npz").unlink()
  assert sorted(figure_registry.draw_analyses(copy, ["linear_1"])) == ["collapse.png", "weight_change.png"]
  # An analysis from before digests cannot be checked: kept, and said so.
  legacy = workdir.read_json(copy / "analyses.json")
  del legacy["linear_1"]["result_digest"]
  atomic.write_json(copy / "analyses.json", legacy)
  lines = []
  kept, _ = run.kept_analyses(copy, [], ["linear_1", "convnet_2"], lines.append)
  assert "linear_1" in kept and any("predates result digests" in l for l in lines), lines
  with pytest.raises(WorkdirError, match="not finished"):
    run.analyze(copy, cells=["nope"], log=lambda _: None)


def test_results_are_readable_by_collaborators(tmp_path):
  old = os.umask(0o022)
  try:
    atomic.write_json(tmp_path / "a.json", {"x": 1})
    workdir.write_npz(tmp_path / "b.npz", {"x": np.zeros(2)})
  finally:
    os.umask(old)
  for name in ("a.json", "b.npz"):
    assert (tmp_path / name).stat().st_mode & 0o777 == 0o644, name


def test_select_cells_by_name_and_shard():
  names = ["a", "b", "c", "d", "e"]
  assert experiment.select_cells(names) == names
  assert experiment.select_cells(names, only=["d", "b"]) == ["b", "d"]
  assert experiment.select_cells(names, shard="0/2") == ["a", "c", "e"]
  assert experiment.select_cells(names, shard="1/2") == ["b", "d"]
  assert experiment.select_cells(names, only=["a", "b", "c"], shard="1/2") == ["b"]
  for bad, message in ((dict(only=["x"]), "not cells"), (dict(shard="2/2"), "out of range"),
                       (dict(shard="half"), "is not i/n")):
    with pytest.raises(ConfigError, match=message):
      experiment.select_cells(names, **bad)


def test_two_jobs_on_one_workdir_train_each_cell_once(tmp_path):
  args = [sys.executable, str(REPO / "experiments" / "main.py"),
          "--config=identity_jax/configs/default.py:tiny", f"--workdir={tmp_path / 'wd'}",
          "--config.cells.relu_fcn_5.model.fcn.width=16", "--cpu_devices=1"]
  jobs = [subprocess.Popen(args, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True) for _ in range(2)]
  outputs = [job.communicate(timeout=600)[0] for job in jobs]
  assert [job.returncode for job in jobs] == [0, 0], outputs
  both = "".join(outputs)
  for cell in ("convnet_5", "linear_1", "relu_fcn_5"):
    assert both.count(f"[{cell}] done in") == 1, both
    assert (tmp_path / "wd" / "cells" / cell / "result.json").is_file()
  assert "another job" in both or "skipping finished cells" in both, both
  # A later run finds everything finished, trains nothing, and tabulates every cell.
  again = subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=600)
  assert "done in" not in again.stdout and "skipping finished cells" in again.stdout
  assert set(workdir.read_json(tmp_path / "wd" / "summary.json")["cells"]) == {
      "convnet_5", "linear_1", "relu_fcn_5"}


def test_figures_of_a_workdir_rebuilt_from_results_draw_the_cells_with_arrays(finished, tmp_path):
  # results/ keeps no arrays: a workdir rebuilt from it, with one cell retrained, redraws the
  # array figures over that cell and names the others, and every other figure over all cells.
  import shutil
  cfg, root, _, _ = finished
  rebuilt = tmp_path / "rebuilt"
  shutil.copytree(root, rebuilt)
  (rebuilt / "cells" / "linear_1" / paths.ARRAYS).unlink()
  study = summary_lib.load_study(rebuilt)
  fig = plots.prediction_grid(study)
  labels = [ax.get_ylabel() for ax in fig.axes if ax.get_ylabel()]
  assert len(labels) == 1 + cfg.num_seeds and all("linear_1" not in l for l in labels)
  assert fig.get_suptitle() == "not drawn (no saved arrays): linear_1"
  assert "linear_1" in plots.loss_curves(study).get_suptitle()
  # drawn from result.json alone: every cell, arrays or not
  legend = [t.get_text() for t in plots.seed_histograms(study).axes[0].get_legend().get_texts()]
  assert [l.split(" (")[0] for l in legend] == ["convnet_2", "linear_1"]
  (rebuilt / "cells" / "convnet_2" / paths.ARRAYS).unlink()
  study = summary_lib.load_study(rebuilt)
  assert plots.prediction_grid(study) is None and plots.loss_curves(study) is None
  before = (rebuilt / "prediction_grid.png").read_bytes()
  written = figure_registry.draw_study(study)
  assert "prediction_grid.png" not in written and "seed_hist.png" in written
  assert (rebuilt / "prediction_grid.png").read_bytes() == before  # the earlier figure is kept


def test_publish_keeps_the_array_figures_of_cells_whose_arrays_the_workdir_lacks(finished, tmp_path):
  """A workdir rebuilt from results/ holds no arrays for its earlier cells: its prediction grid and
  loss curves leave them out, so the published ones that drew them are kept beside the new ones."""
  import shutil

  from identity_jax.runs import publish
  _, root, _, _ = finished
  results_dir = tmp_path / "results"
  dest = publish.publish(root, results_dir)
  full = {n: (dest / n).read_bytes() for n in ("prediction_grid.png", "loss.png")}
  restored = tmp_path / "restored"
  shutil.copytree(root, restored)
  (restored / "cells" / "convnet_2" / "arrays.npz").unlink()
  experiment.redraw(restored)
  partial_grid = (restored / "prediction_grid.png").read_bytes()
  assert partial_grid != full["prediction_grid.png"]
  for _ in range(2):  # publishing again keeps the first kept version, not the partial figure
    publish.publish(restored, results_dir)
    assert workdir.read_json(dest / paths.ARRAY_FIGURES) == {
        "prediction_grid.png": ["linear_1"], "loss.png": ["linear_1"],
        "prediction_grid_convnet_2.png": ["convnet_2", "linear_1"],
        "loss_convnet_2.png": ["convnet_2", "linear_1"]}
    assert (dest / "prediction_grid_convnet_2.png").read_bytes() == full["prediction_grid.png"]
    assert (dest / "loss_convnet_2.png").read_bytes() == full["loss.png"]
    assert (dest / "prediction_grid.png").read_bytes() == partial_grid
  (restored / "cells" / "linear_1" / "arrays.npz").unlink()
  experiment.redraw(restored)  # no cell has arrays: the published figure is not replaced
  publish.publish(restored, results_dir)
  assert (dest / "prediction_grid.png").read_bytes() == partial_grid


def test_a_kept_array_figure_is_named_for_the_cells_it_draws(tmp_path):
  """results/<study>/array_figures.json records the cells each array figure draws: a kept version is
  named for the cells it drew that the workdir's new figures lack, not for every cell lacking
  arrays (a figure that drew only c3 is not filed under c1-c3)."""
  from identity_jax.runs import publish
  root, dest = tmp_path / "wd", tmp_path / "results"
  for c in ("c1", "c2", "c3", "c4"):
    paths.cell_dir(root, c).mkdir(parents=True)
  dest.mkdir()
  (paths.cell_dir(root, "c4") / paths.ARRAYS).write_bytes(b"")
  (root / "loss.png").write_bytes(b"new")
  (dest / "loss.png").write_bytes(b"drew c3")
  (dest / "loss_c1.png").write_bytes(b"drew c1 c2")
  atomic.write_json(dest / paths.ARRAY_FIGURES, {"loss.png": ["c3"], "loss_c1.png": ["c1", "c2"]})
  cells = ["c1", "c2", "c3", "c4"]
  kept, drawn = publish._earlier_array_figures(root, dest, cells)
  assert kept == {"loss_c3.png": b"drew c3", "loss_c1.png": b"drew c1 c2"}
  assert drawn == {"loss.png": ["c4"], "loss_c3.png": ["c3"], "loss_c1.png": ["c1", "c2"]}
  # c3's arrays back (retrained): its kept version is superseded; c1-c2's stays
  (paths.cell_dir(root, "c3") / paths.ARRAYS).write_bytes(b"")
  atomic.write_json(dest / paths.ARRAY_FIGURES, drawn)
  (dest / "loss.png").write_bytes(b"drew c4")
  kept, drawn = publish._earlier_array_figures(root, dest, cells)
  assert kept == {"loss_c1.png": b"drew c1 c2"} and drawn["loss.png"] == ["c3", "c4"]
  # results published before the record: the figure is taken to draw every cell lacking arrays
  (dest / paths.ARRAY_FIGURES).unlink()
  kept, drawn = publish._earlier_array_figures(root, dest, cells)
  assert kept == {"loss_c1-c2.png": b"drew c4"} and drawn["loss_c1-c2.png"] == ["c1", "c2"]


def test_publish_copies_data_and_figures_and_refuses_half_a_study(finished, tmp_path):
  from identity_jax.runs import publish
  cfg, root, _, _ = finished
  dest = publish.publish(root, tmp_path / "results")
  assert dest == tmp_path / "results" / cfg.name
  for name in ("summary.json", "per_seed.jsonl", "config.json", "prediction_grid.png",
               "cells/convnet_2/result.json", "cells/linear_1/result.json"):
    assert (dest / name).is_file(), name
  assert not list(dest.rglob("*.npz"))  # parameters and arrays stay in the workdir
  half = tmp_path / "half"
  import shutil
  shutil.copytree(root, half)
  summary = workdir.read_json(half / "summary.json")
  del summary["cells"]["linear_1"]
  atomic.write_json(half / "summary.json", summary)
  with pytest.raises(WorkdirError, match="linear_1.*not finished"):
    publish.publish(half, tmp_path / "results2")
  dest = publish.publish(half, tmp_path / "results2", partial=True)
  assert not (dest / "cells" / "linear_1").exists() and (dest / "cells" / "convnet_2").is_dir()
