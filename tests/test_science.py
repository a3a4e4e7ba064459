"""The science rules: schedules, independent seeds, seed status, statistics over fitted seeds only,
and RESULTS.md generated from results/."""

import copy
import json
import math
import pathlib
import subprocess
import sys

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import pytest
from helpers import model_cfg

from identity_jax import models
from identity_jax.errors import ConfigError, ResultsMdError
from identity_jax.measures import metrics, regime, stats
from identity_jax.reporting import claims, tables
from identity_jax.study import cell, config, evaluate, results
from identity_jax.study import summary as summary_lib
from identity_jax.training import loop, optim, program

REPO = pathlib.Path(__file__).resolve().parents[1]


def sgd(schedule):
  return cell.OptimConfig(name="sgd", learning_rate=0.01, momentum=0.9, schedule=schedule)


# --- schedules -------------------------------------------------------------------------------------

@pytest.mark.parametrize("decay_at, expected_end", [(100, 333), (-1, 1000), (5000, 1000), (299, 997)])
def test_paper_schedule_factors(decay_at, expected_end):
  """Full rate until T = min(stably fitted step, 30% of the budget); x0.2 at T, 2T, 8T/3; 0 from 10T/3."""
  t = decay_at if 0 <= decay_at < 300 else 300
  scale = lambda s: float(optim.update_scale(jnp.int32(s), jnp.int32(decay_at), 1000))
  assert int(optim.paper_end(jnp.int32(decay_at), 1000)) == expected_end
  assert scale(t - 1) == 1.0
  assert math.isclose(scale(t), 0.2, rel_tol=1e-6) and math.isclose(scale(2 * t - 1), 0.2, rel_tol=1e-6)
  assert math.isclose(scale(2 * t), 0.04, rel_tol=1e-6)
  assert math.isclose(scale(round(8 * t / 3)), 0.008, rel_tol=1e-6)
  assert scale(expected_end) == 0.0
  assert scale(999) == 0.0 if expected_end < 1000 else math.isclose(scale(999), 0.008, rel_tol=1e-6)


def test_paper_schedule_of_a_seed_that_never_fits_is_the_papers():
  """Not fitted by 30% of the budget: the decays fall at 30/60/80%, like the compressed schedule."""
  compressed = optim.learning_rate_schedule(sgd("compressed"), 1000)
  for s in (0, 299, 300, 599, 600, 799, 800, 999):
    assert math.isclose(0.01 * float(optim.update_scale(jnp.int32(s), jnp.int32(-1), 1000)),
                        float(compressed(s)), rel_tol=1e-6), s


def test_the_old_schedule_name_is_refused_with_the_new_one():
  with pytest.raises(ConfigError, match="(?s)renamed.*use 'compressed'"):
    sgd("stagewise")


def _trainer(schedule, num_steps, tolerance=1e-3):
  model = models.build_model(model_cfg(name="fcn", hidden_layers=1, width=32))
  x = jax.random.normal(jax.random.key(0), (1, 8, 8))
  tx = optim.make_optimizer(sgd(schedule), num_steps)
  return program.Trainer(model, tx, x, tolerance,
                       paper_schedule_steps=num_steps if schedule == "paper" else 0)


def test_paper_schedule_freezes_a_seed_at_its_end_and_stops_the_run():
  tr = _trainer("paper", 600, tolerance=5e-2)
  keys = program.seed_keys(0, range(2))
  full = loop.train(tr, keys, 600, 60)
  assert (full.seeds.fitted_at >= 0).all()
  # Stopped once every seed's schedule has ended: the parameters are those of the whole budget.
  short = loop.train(tr, keys, 600, 60, options=loop.RunOptions(stop_when_fitted=True))
  assert short.steps_run < 600
  # It stops at the step the last schedule ends, not at the end of a chunk (here 300 steps).
  coarse = loop.train(tr, keys, 600, 2, options=loop.RunOptions(stop_when_fitted=True))
  assert coarse.steps_run == short.steps_run, (coarse.steps_run, short.steps_run)
  for run in (short, coarse):
    for a, b in zip(jax.tree.leaves(run.seeds.params), jax.tree.leaves(full.seeds.params)):
      np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    np.testing.assert_array_equal(run.seeds.final_loss, full.seeds.final_loss)


def test_stably_fitted_needs_the_loss_below_tolerance_for_as_long_as_it_took():
  assert not optim.stably_fitted(jnp.int32(30), jnp.int32(-1))
  assert not optim.stably_fitted(jnp.int32(39), jnp.int32(20))
  assert optim.stably_fitted(jnp.int32(40), jnp.int32(20))


@pytest.fixture(scope="module")
def seven():
  """The main job's training image: the MNIST "7", 28x28, standardized."""
  from identity_jax.data import datasets, images, suites
  raw, _ = suites.pick_training_images(datasets.offline_mnist(), 7, 1, seed=0)
  return images.resize(images.from_uint8(raw), 28)


def test_paper_schedule_waits_out_the_momentum_bounce(seven):
  """A 1-layer linear net with momentum 0.9 dips below 1e-3 at step ~21 and bounces back above it;
  decaying from that first dip froze 7 of 8 seeds above the tolerance. Every seed fits now."""
  model = models.build_model(model_cfg(name="fcn", hidden_layers=0, activation="linear"))
  tr = program.Trainer(model, optim.make_optimizer(sgd("paper"), 300), jnp.asarray(seven), 1e-3,
                     paper_schedule_steps=300)
  res = loop.train(tr, program.seed_keys(0, range(8)), 300, 10)
  assert (res.seeds.fitted_at <= 25).all() and res.status == ["fitted"] * 8, res.seeds.final_loss


def test_paper_schedule_is_per_seed_so_seeds_do_not_depend_on_their_neighbours():
  tr = _trainer("paper", 300, tolerance=5e-2)
  together = loop.train(tr, program.seed_keys(0, range(3)), 300, 3)
  alone = loop.train(tr, program.seed_keys(0, [1]), 300, 3)
  assert together.seeds.fitted_at[1] == alone.seeds.fitted_at[0]
  for a, b in zip(jax.tree.leaves(together.seeds.params), jax.tree.leaves(alone.seeds.params)):
    np.testing.assert_allclose(np.asarray(a)[1], np.asarray(b)[0], rtol=1e-5, atol=1e-6)


# --- seeds -----------------------------------------------------------------------------------------

def _keys(paired, name, study="study"):
  c = config.base_config()
  c.name, c.num_seeds, c.paired_seeds = study, 3, paired
  c.cells = ml_collections.ConfigDict({name: {}})
  return evaluate.cell_keys(cell.parse_all(c)[name])


def test_cells_get_independent_keys_unless_paired():
  a, b = _keys(False, "c5"), _keys(False, "c20")
  other_study = _keys(False, "c5", "other")
  data = lambda k: np.asarray(jax.random.key_data(k))
  assert not np.any(np.all(data(a) == data(b), axis=-1))
  assert not np.any(np.all(data(a) == data(other_study), axis=-1))
  np.testing.assert_array_equal(data(_keys(False, "c5")), data(a))  # stable
  paired = [data(_keys(True, c)) for c in ("c5", "c20")]
  np.testing.assert_array_equal(paired[0], paired[1])
  np.testing.assert_array_equal(paired[0], data(program.seed_keys(0, range(3))))


def test_stream_ids_are_stable_across_processes():
  code = "from identity_jax.training import program; print(program.stream_id('convnet_depth/c5'))"
  out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
  assert int(out.stdout) == program.stream_id("convnet_depth/c5")


# --- status ----------------------------------------------------------------------------------------

def test_output_spread_closed_forms():
  x = np.random.default_rng(0).normal(size=(10, 6, 6))
  preds = np.stack([x, 2 * x, np.broadcast_to(x[:1], x.shape), np.zeros_like(x)])
  np.testing.assert_allclose(metrics.output_spread(preds, x), [1.0, 4.0, 0.0, 0.0], atol=1e-12)


@pytest.mark.parametrize("trained, spread, expected", [
    ("not_fitted", 0.0, "dead"), ("not_fitted", 1e-9, "dead"), ("not_fitted", 0.3, "not_fitted"),
    ("fitted", 0.0, "fitted"),  # a fitted constant map is memorization, not death
    ("diverged", 0.0, "diverged"), ("not_fitted", float("nan"), "dead")])
def test_final_status(trained, spread, expected):
  assert evaluate.final_status(trained, spread, 1e-6) == expected


def _seed(status, ci, cc, loss=1e-4):
  m = dict(corr_identity=ci, corr_constant=cc, cos_identity=ci, cos_constant=cc,
           mse_identity=0.1, mse_constant=0.2)
  return dict(seed=0, status=status, final_loss=loss, fitted_at=10 if status == "fitted" else -1,
              diverged_at=5 if status == "diverged" else -1, output_spread=0.5,
              init_output_spread=0.5, dead_at_init=False, suites={"patterns": m})


RULE = dict(regime_suite="patterns", regime_threshold=0.5)


def _result(seeds):
  return results.CellResult.from_json(dict(
      cell="c", seeds=seeds, config=dict(metrics=RULE), data_sources={}, steps_run=10,
      timing=dict(train_seconds=1.0, compile_seconds=0.5, seed_steps_per_second=160.0)))


def test_summary_reads_fitted_seeds_only_and_counts_the_rest():
  seeds = [_seed("fitted", 0.9, 0.1), _seed("fitted", 0.8, 0.0), _seed("fitted", 0.1, 0.9),
           _seed("not_fitted", 0.0, 0.95, 0.3), _seed("dead", 0.0, 0.0, 0.5),
           _seed("diverged", float("nan"), float("nan"), float("nan"))]
  s = summary_lib.summarize_cell(_result(seeds))
  assert s.status_counts == dict(fitted=3, not_fitted=1, diverged=1, dead=1)
  assert (s.fitted, s.seeds, s.fitted_share) == (3, 6, 0.5)
  assert s.status == "fitted 3/6; not_fitted 1, diverged 1, dead 1"
  assert s.regimes["identity"]["count"] == 2 and s.regimes["identity"]["n"] == 3
  assert s.regimes["constant"]["count"] == 1  # the unfitted 0.95 is not counted
  assert s.verdict == "identity"
  assert s.stat("patterns", "corr_identity")["n"] == 3 and s.stat("mnist", "corr_identity") is None
  assert math.isclose(s.mean("patterns", "corr_identity"), 0.6)
  assert s.suites["patterns"]["corr_identity"]["values"] == pytest.approx([0.9, 0.8, 0.1])
  assert s.final_loss_not_fitted["n"] == 2  # the NaN of the diverged seed is not a value
  assert summary_lib.CellSummary.from_json(json.loads(json.dumps(s.to_json()))) == s
  assert [x.regime for x in _result(seeds).seeds] == \
      ["identity", "identity", "constant", None, None, None]


def test_a_cell_with_fewer_than_half_fitted_is_inconclusive():
  seeds = [_seed("fitted", 0.9, 0.1)] * 2 + [_seed("not_fitted", 0.9, 0.1, 0.2)] * 3
  assert summary_lib.summarize_cell(_result(seeds)).verdict == "inconclusive"
  seeds = [_seed("fitted", 0.9, 0.1)] * 3 + [_seed("not_fitted", 0.9, 0.1, 0.2)] * 3
  assert summary_lib.summarize_cell(_result(seeds)).verdict == "identity"
  tie = [_seed("fitted", 0.9, 0.1), _seed("fitted", 0.1, 0.9)]
  assert summary_lib.summarize_cell(_result(tie)).verdict == "split"


# --- statistics ------------------------------------------------------------------------------------

@pytest.mark.parametrize("count, n, low, high", [
    (0, 10, 0.0, 0.2775), (5, 10, 0.2366, 0.7634), (10, 10, 0.7225, 1.0), (8, 8, 0.6756, 1.0)])
def test_wilson_interval_against_tabulated_values(count, n, low, high):
  lo, hi = stats.wilson(count, n)
  assert math.isclose(lo, low, abs_tol=1e-4) and math.isclose(hi, high, abs_tol=1e-4)


def test_t_interval_only_from_four_values():
  three = stats.summarize([0.1, 0.2, 0.6])
  assert three["ci95_low"] is None and three["values"] == pytest.approx([0.1, 0.2, 0.6])
  four = stats.summarize([0.1, 0.2, 0.6, 0.5])
  half = 3.182446305284263 * np.std([0.1, 0.2, 0.6, 0.5], ddof=1) / 2  # t(0.975, 3) sd / sqrt 4
  assert math.isclose(four["ci95_high"] - four["mean"], half, rel_tol=1e-9) and "values" not in four


def test_many_training_images_have_no_constant_pole():
  x = jax.random.normal(jax.random.key(1), (5, 6, 6))
  few = metrics.similarities(x[:2], x[:2], x[:3])
  many = metrics.similarities(x[:2], x[:2], x)
  assert np.isfinite(np.asarray(few["corr_constant"])).all()
  assert np.isnan(np.asarray(many["corr_constant"])).all()
  np.testing.assert_allclose(many["corr_identity"], 1.0, rtol=1e-6)
  rule = regime.RegimeRule()
  assert rule.classify(0.9, float("nan")) == "identity" and rule.classify(0.2, float("nan")) == "neither"


# --- RESULTS.md from results/ ----------------------------------------------------------------------

def _rec(d):
  """The StudyRecord of a summary.json-like dict, with the extras load_study_dir adds."""
  return claims.StudyRecord(summary=summary_lib.StudySummary.from_json(d), rows=d.get("rows", []),
                            config=d.get("config", {}), least_loss=d.get("least_loss", {}),
                            steps_run=d.get("steps_run", {}), cell_configs=d.get("cell_configs", {}))


def _summary(cells, preset="quick"):
  out = {}
  for name, (fitted, total, ci) in cells.items():
    seeds = [_seed("fitted", ci, 0.05)] * fitted + [_seed("not_fitted", 0.0, 0.0, 0.3)] * (total - fitted)
    out[name] = summary_lib.summarize_cell(_result(seeds)).to_json()
  return dict(name="convnet_depth", preset=preset, paired_seeds=False, cells=out,
              regime_rule=dict(suite="patterns"))


def _depth_claim():
  return next(c for c in claims.CLAIMS if c.study == "convnet_depth" and c.expect)


def test_claim_verdicts_are_computed_from_the_summaries():
  claim = _depth_claim()
  depths = (1, 3, 5, 8, 12, 16, 20, 24)
  good = {f"c{d}": (8, 8, 0.95 - 0.04 * i) for i, d in enumerate(depths)}
  good.update(c20=(8, 8, -0.2), c24=(8, 8, -0.3))
  # identity needs corr >= 0.5; the deep cells read constant only with a large corr to constant:
  summary = _summary(good)
  for d in ("c20", "c24"):
    seeds = [_seed("fitted", 0.0, 0.9)] * 8
    summary["cells"][d] = summary_lib.summarize_cell(_result(seeds)).to_json()
  assert claims.judge(claim, {"convnet_depth": _rec(summary)}) == "agrees"
  thin = copy.deepcopy(summary)
  thin["cells"]["c5"] = summary_lib.summarize_cell(_result(
      [_seed("fitted", 0.9, 0.0)] * 7 + [_seed("not_fitted", 0, 0, 0.3)] * 2)).to_json()
  assert claims.judge(claim, {"convnet_depth": _rec(thin)}) == "inconclusive: c5 fitted 7/9"
  wrong = copy.deepcopy(summary)
  wrong["cells"]["c20"] = summary["cells"]["c1"]
  assert claims.judge(claim, {"convnet_depth": _rec(wrong)}).startswith("differs: c20 identity, not constant")
  assert claims.judge(claim, {}).startswith("pending")


def test_cost_table_names_each_cells_cpu_and_the_last_runs_for_cells_without_one():
  summary = _summary({"a": (8, 8, 0.9), "b": (8, 8, 0.9), "c": (8, 8, 0.9)})
  summary["environment"] = dict(cpu="Old CPU")
  row = lambda: tables.cost_table({"convnet_depth": _rec(summary)}).splitlines()[-1]
  assert row().endswith("| Old CPU |")
  summary["cells"]["c"]["timing"] = dict(summary["cells"]["c"]["timing"], cpu="New CPU")
  assert row().endswith("| Old CPU (2 cells); New CPU (1 cell) |")


def test_cells_that_should_agree_are_named_with_their_verdicts_when_they_do_not():
  claim = claims.Claim("x", "-", "convnet_depth", same=(("a", "b"),))
  study = lambda ci_b, fitted_b=8: {"convnet_depth": _rec(_summary(dict(a=(8, 8, 0.9),
                                                                        b=(fitted_b, 8, ci_b))))}
  assert claims.judge(claim, study(0.8)) == "agrees"
  assert claims.judge(claim, study(0.2)) == "differs: a identity vs b neither"
  assert claims.judge(claim, study(0.2, fitted_b=6)) == "inconclusive: b fitted 6/8"


def test_cells_that_should_differ_are_judged_on_the_fitted_ones():
  claim = claims.Claim("x", "-", "convnet_depth", vary=(("a", "b", "c"),))
  summary = lambda ci_c, fitted_c=8: _summary(dict(
      a=(8, 8, 0.9), b=(8, 8, 0.8), c=(fitted_c, 8, ci_c)))
  study = lambda *args, **kw: {"convnet_depth": _rec(summary(*args, **kw))}
  assert claims.judge(claim, study(0.2)) == "agrees"
  assert claims.judge(claim, study(0.9)) == "differs: a, b, c all identity"
  # c too thin to count: a and b agree, and c might have differed
  assert claims.judge(claim, study(0.9, fitted_c=5)) == "inconclusive: c fitted 5/8"
  # ... but once two fitted cells differ, a thin one cannot undo it
  diff = summary(0.2)
  diff["cells"]["b"] = _summary(dict(b=(8, 8, 0.2)))["cells"]["b"]
  diff["cells"]["c"] = _summary(dict(c=(5, 8, 0.9)))["cells"]["c"]
  assert claims.judge(claim, {"convnet_depth": _rec(diff)}) == "agrees"
  assert claims.judge(claims.Claim("x", "-", "convnet_depth", vary=(("a", "z"),)),
                      study(0.2)).startswith("pending: cells z")


def test_cells_whose_mean_interval_holds_the_threshold_are_named_borderline():
  claim = claims.Claim("x", "-", "convnet_depth", same=(("a", "b"),))
  study = _summary(dict(a=(8, 8, 0.9), b=(8, 8, 0.9)))
  assert claims.judge(claim, {"convnet_depth": _rec(study)}) == "agrees"
  # seeds on both sides of 0.5: identity 3/5, mean 0.506 with a t interval around 0.5
  study["cells"]["b"] = summary_lib.summarize_cell(_result(
      [_seed("fitted", ci, 0.0) for ci in (0.45, 0.55, 0.48, 0.53, 0.52)])).to_json()
  rec = _rec(study)
  assert claims.borderline(rec.cells["b"], rec) and not claims.borderline(rec.cells["a"], rec)
  assert claims.judge(claim, {"convnet_depth": _rec(study)}) == "agrees; borderline: b"
  assert "`b` identity 3/5 [0.23, 0.88] (borderline)" in tables.cell_text("b", rec.cells["b"],
                                                                           "patterns", rec)
  assert "| neither (borderline) |" not in tables.cells_table({"convnet_depth": _rec(study)})
  assert "| identity (borderline) |" in tables.cells_table({"convnet_depth": _rec(study)})
  # the mirror case: |corr to constant| near the threshold with a negative sign
  study["cells"]["b"] = summary_lib.summarize_cell(_result(
      [_seed("fitted", 0.0, cc) for cc in (-0.45, -0.55, -0.48, -0.53, -0.52)])).to_json()
  assert claims.borderline(_rec(study).cells["b"], _rec(study))
  # fewer than 4 fitted seeds: no t interval, so nothing is called borderline
  study["cells"]["b"] = summary_lib.summarize_cell(_result(
      [_seed("fitted", ci, 0.0) for ci in (0.45, 0.55, 0.52)])).to_json()
  assert not claims.borderline(_rec(study).cells["b"], _rec(study))


def test_cells_that_cannot_fit_say_so_in_the_verdict_and_the_table():
  claim = claims.Claim("x", "-", "convnet_depth", expect=dict(a="identity", b="neither"))
  study = _summary(dict(a=(8, 8, 0.9), b=(0, 8, 0.9)))
  assert claims.judge(claim, {"convnet_depth": _rec(study)}) == "inconclusive: b fitted 0/8"
  # least_loss.json (analyses/reachable.py) puts 6 of b's seeds out of reach
  study["least_loss"] = dict(b=dict(seeds=[dict(reachable=i >= 6) for i in range(8)]))
  assert claims.judge(claim, {"convnet_depth": _rec(study)}) == \
      "inconclusive: b fitted 0/8, 6 cannot fit at any budget"
  assert tables.cell_text("b", _rec(study).cells["b"], "patterns", _rec(study)).endswith(
      "fitted 0/8; not_fitted 8; 6 cannot fit at any budget")
  assert tables.cell_text("a", _rec(study).cells["a"], "patterns", _rec(study)).endswith("fitted 8/8")


def test_dead_seeds_show_how_close_their_fixed_output_is_to_the_training_image():
  # 10 dead seeds (and 1 fitted) in b: the count's word boundary must not match "dead 1" in "dead 10"
  dead = [_seed("dead", 0.0, 0.0, 0.5)] * 10
  study = _summary(dict(a=(8, 8, 0.9)))
  study["cells"]["b"] = summary_lib.summarize_cell(_result([_seed("fitted", 0.9, 0.0)] + dead)).to_json()
  row = lambda cell, status, cos, suite="patterns": dict(cell=cell, status=status, suite=suite,
                                                         cos_constant=cos)
  study["rows"] = ([row("b", "dead", c) for c in (0.2974, 0.99, 0.88) + (0.5,) * 7]
                   + [row("b", "dead", -0.9, suite="mnist"), row("b", "fitted", 0.1),
                      row("a", "fitted", 0.1)])
  assert claims.flat_cosines("b", _rec(study)) == pytest.approx([0.2974] + [0.5] * 7 + [0.88, 0.99])
  assert tables.status_text("b", _rec(study).cells["b"], _rec(study)) == \
      "fitted 1/11; dead 10 (cos to train 0.30-0.99)"
  assert tables.cell_text("b", _rec(study).cells["b"], "patterns", _rec(study)).endswith(
      "dead 10 (cos to train 0.30-0.99)")
  assert "| fitted 1/11; dead 10 (cos to train 0.30-0.99) |" in tables.cells_table(
      {"convnet_depth": _rec(study)})
  assert tables.status_text("a", _rec(study).cells["a"], _rec(study)) == "fitted 8/8"
  study["rows"] = [row("b", "dead", 0.3)] * 10  # one value: no range
  assert tables.status_text("b", _rec(study).cells["b"], _rec(study)).endswith("dead 10 (cos to train 0.30)")


def test_results_table_writes_and_checks_a_results_md(tmp_path):
  summary = _summary({f"c{d}": (8, 8, 0.9) for d in (1, 3, 5, 8, 12, 16, 20, 24)})
  (tmp_path / "results" / "convnet_depth").mkdir(parents=True)
  from identity_jax.study import workdir
  workdir.write_json(tmp_path / "results" / "convnet_depth" / "summary.json", summary)
  md = tmp_path / "RESULTS.md"
  prose = "# Results\n\nhand-written prose\n\n"
  md.write_text(prose + tables.BEGIN.format("claims") + "\nstale\n" + tables.END.format("claims")
                + "\n\n" + tables.BEGIN.format("paired") + "\n" + tables.END.format("paired")
                + "\n\n" + tables.BEGIN.format("cells") + "\n" + tables.END.format("cells")
                + "\n\n" + tables.BEGIN.format("cost") + "\n" + tables.END.format("cost")
                + "\n\n" + tables.BEGIN.format("phase") + "\n" + tables.END.format("phase") + "\nend\n")
  run = lambda *flags: subprocess.run(
      [sys.executable, str(REPO / "experiments" / "results_table.py"),
       f"--results={tmp_path / 'results'}", f"--results_md={md}", *flags],
      capture_output=True, text=True)
  assert run("--check").returncode == 1
  assert run().returncode == 0
  text = md.read_text()
  assert text.startswith(prose) and text.endswith("end\n") and "stale" not in text
  assert "| `c5` | fitted 8/8 | 0 | identity | 8/8 [0.68, 1.00] |" in text
  assert "`convnet_depth` quick, 8 seeds per cell, fitted 64/64, independent seeds" in text
  # 8 cells x 8 seeds, each cell 0.5 s compiling and 0.5 s training at 160 seed-steps/s
  assert "| `convnet_depth` | 8 | 64 | 640 | 0.1 | 0.1 | 160-160 | ? |" in text
  assert run("--check").returncode == 0
  # a cell resumed at step 900 of 1,000: its seed-steps are all 1,000 steps, from its result.json
  workdir.write_json(tmp_path / "results" / "convnet_depth" / "cells" / "c1" / "result.json",
                     dict(steps_run=1000, resumed_from_step=900, config={}))
  assert run().returncode == 0
  assert "| `convnet_depth` | 8 | 64 | 8,560 | 0.1 | 0.1 | 160-160 | ? |" in md.read_text()


def test_prose_values_are_generated_from_the_summaries_and_bad_keys_name_the_fix(tmp_path):
  summary = _summary(dict(a=(6, 8, 0.9), b=(8, 8, 0.2)))
  summary["rows"] = [dict(cell="a", status="fitted", suite="patterns", corr_identity=ci)
                     for ci in (0.61, 0.93)] + [
                     dict(cell="a", status="not_fitted", suite="patterns", corr_identity=0.01),
                     dict(cell="a", status="fitted", suite="mnist", corr_identity=0.2)]
  studies = {"convnet_depth": _rec(summary)}
  text = ("a fitted <!--v convnet_depth/a/fitted-->stale<!--/v-->, identity "
          "<!--v convnet_depth/a/identity--><!--/v--> (corr <!--v convnet_depth/a/corr_id-->x<!--/v-->, "
          "from <!--v convnet_depth/a/corr_id_range-->x<!--/v-->); b neither "
          "<!--v convnet_depth/b/neither-->x<!--/v-->, not fitted <!--v convnet_depth/a/not_fitted-->x<!--/v-->")
  assert tables.VALUE.sub(lambda m: f"[{tables.value(m[1], studies)}]", text) == (
      "a fitted [6/8], identity [6/6] (corr [+0.90 ± 0.00], from [+0.61 to +0.93]); b neither [8/8], "
      "not fitted [2]")
  with pytest.raises(ResultsMdError, match="field one of: fitted"):
    tables.value("convnet_depth/a/corr", studies)
  with pytest.raises(ResultsMdError, match="results/ has no cell convnet_depth/z"):
    tables.value("convnet_depth/z/fitted", studies)
  # through the command: a stale value is rewritten, a bad key is an error naming the fix
  (tmp_path / "results" / "convnet_depth").mkdir(parents=True)
  from identity_jax.study import workdir
  workdir.write_json(tmp_path / "results" / "convnet_depth" / "summary.json", summary)
  md = tmp_path / "RESULTS.md"
  markers = "".join(f"{tables.BEGIN.format(t)}\n{tables.END.format(t)}\n"
                   for t in ("claims", "paired", "cells", "cost", "phase"))
  md.write_text(markers + "b: <!--v convnet_depth/b/fitted-->7/8<!--/v-->\n")
  run = lambda: subprocess.run([sys.executable, str(REPO / "experiments" / "results_table.py"),
                                f"--results={tmp_path / 'results'}", f"--results_md={md}"],
                               capture_output=True, text=True)
  assert run().returncode == 0 and md.read_text().endswith(
      "b: <!--v convnet_depth/b/fitted-->8/8<!--/v-->\n")
  md.write_text(markers + "<!--v convnet_depth/b/fited-->8/8<!--/v-->\n")
  out = run()
  assert out.returncode == 2 and "'convnet_depth/b/fited'" in out.stderr and "fix:" in out.stderr
  assert md.read_text().endswith("<!--v convnet_depth/b/fited-->8/8<!--/v-->\n")  # left as it was
  md.write_text("no tables here\n")
  out = run()
  assert out.returncode == 2 and "lacks the markers of the claims table" in out.stderr
  assert md.read_text() == "no tables here\n"


def test_phase_table_lays_the_cells_out_as_phase_png_does():
  # depth across (ascending), channels down (descending); an inconclusive cell keeps its counts
  summary = _summary({"d1_ch2": (8, 8, 0.9), "d1_ch8": (8, 8, 0.9), "d6_ch2": (2, 8, 0.9),
                      "d6_ch8": (8, 8, 0.1)})
  summary["config"] = dict(plots=dict(sweep="model.num_layers", group_by="model.channels"))
  summary["cell_configs"] = {f"d{d}_ch{c}": dict(model=dict(num_layers=d, channels=c))
                             for d in (1, 6) for c in (2, 8)}  # each cell's result.json config
  table = tables.phase_table({"phase_diagram": _rec(summary)}).splitlines()
  assert table[2] == "| model.channels | 1 | 6 |"
  assert table[4] == ("| 8 | identity<br>id 8, co 0, ne 0<br>fitted 8/8 | "
                      "neither<br>id 0, co 0, ne 8<br>fitted 8/8 |")
  assert table[5] == ("| 2 | identity<br>id 8, co 0, ne 0<br>fitted 8/8 | "
                      "inconclusive<br>id 2, co 0, ne 0<br>fitted 2/8; not_fitted 6 |")
  assert "pending" in tables.phase_table({})


def test_committed_results_md_matches_committed_results():
  out = subprocess.run([sys.executable, str(REPO / "experiments" / "results_table.py"), "--check"],
                       capture_output=True, text=True)
  assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]


def test_paired_table_compares_seeds_fitted_in_both_cells():
  def row(cell, seed, status, ci, regime):
    return dict(cell=cell, seed=seed, status=status, suite="patterns", corr_identity=ci,
                corr_constant=0.1, regime=regime)
  rows = [row("c5_paper_6000", 0, "fitted", 0.80, "identity"),
          row("c5_paper_6000", 1, "fitted", 0.70, "identity"),
          row("c5_compressed_2000", 0, "fitted", 0.90, "identity"),
          row("c5_compressed_2000", 1, "not_fitted", 0.10, None)]
  table = tables.paired_table({"schedules": _rec(dict(name="schedules", cells={},
                                                      regime_rule=dict(suite="patterns"), rows=rows))})
  assert "| `schedules` | `c5_compressed_2000` vs `c5_paper_6000` | 1 | 0.100 (0.100) | 0.000 (0.000) | 1/1 |" in table
  assert "| `schedules` | `c5_constant_2000` vs `c5_paper_6000` | 0 | - | - | - |" in table
