"""Reporting (reporting/): the claims' verdicts, RESULTS.md's tables and inline values, and the
figures, read from what they show."""

import copy
import dataclasses
import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest
from helpers import RULE, cell_result, seed_record

from identity_jax import atomic
from identity_jax.errors import ResultsMdError
from identity_jax.reporting import claims, tables
from identity_jax.study import results
from identity_jax.study import summary as summary_lib

REPO = pathlib.Path(__file__).resolve().parents[1]


# --- RESULTS.md from results/ ----------------------------------------------------------------------

def _rec(d):
  """The StudyRecord of a summary.json-like dict, with the extras load_study_dir adds."""
  return claims.StudyRecord(summary=summary_lib.StudySummary.from_json(d), rows=d.get("rows", []),
                            config=d.get("config", {}), least_loss=d.get("least_loss", {}),
                            steps_run=d.get("steps_run", {}), cell_configs=d.get("cell_configs", {}))


def _summary(cells, preset="quick"):
  out = {}
  for name, (fitted, total, ci) in cells.items():
    seeds = [seed_record("fitted", ci, 0.05)] * fitted + [seed_record("not_fitted", 0.0, 0.0, 0.3)] * (total - fitted)
    out[name] = summary_lib.summarize_cell(cell_result(seeds)).to_json()
  return dict(name="convnet_depth", preset=preset, paired_seeds=False, cells=out,
              regime_rule=dict(suite="patterns"))


def _depth_claim():
  return next(c for c in claims.CLAIMS if c.study == "convnet_depth" and c.expect)


def test_claim_verdicts_are_computed_from_the_summaries():
  claim = _depth_claim()
  depths = (1, 3, 5, 8, 12, 16, 20, 24)
  good = {f"c{d}": (8, 8, 0.95 - 0.04 * i) for i, d in enumerate(depths)}
  good.update(c12=(8, 8, 0.2), c16=(8, 8, 0.15), c20=(8, 8, -0.2), c24=(8, 8, -0.3))
  # identity needs corr >= 0.5 (c12, intermediate, reads neither); the deep cells read constant
  # only with a large corr to constant:
  summary = _summary(good)
  for d in ("c20", "c24"):
    seeds = [seed_record("fitted", 0.0, 0.9)] * 8
    summary["cells"][d] = summary_lib.summarize_cell(cell_result(seeds)).to_json()
  assert claims.judge(claim, {"convnet_depth": _rec(summary)}) == "agrees"
  thin = copy.deepcopy(summary)
  thin["cells"]["c5"] = summary_lib.summarize_cell(cell_result(
      [seed_record("fitted", 0.9, 0.0)] * 7 + [seed_record("not_fitted", 0, 0, 0.3)] * 2)).to_json()
  assert claims.judge(claim, {"convnet_depth": _rec(thin)}) == "inconclusive: c5 fitted 7/9"
  wrong = copy.deepcopy(summary)
  wrong["cells"]["c20"] = summary["cells"]["c1"]
  assert claims.judge(claim, {"convnet_depth": _rec(wrong)}).startswith("differs: c20 identity, not constant")
  assert claims.judge(claim, {}).startswith("pending")


def _studies_of_every_claim() -> dict:
  from identity_jax.study import config
  return {c.study: list(config.study_config(c.study, "quick").cells) for c in claims.CLAIMS}


def test_every_claim_tests_every_cell_of_its_study_or_says_why_not():
  cells_of_study = _studies_of_every_claim()
  for i, claim in enumerate(claims.CLAIMS, 1):
    study = set(cells_of_study[claim.study])
    tested = set(claims.cells_of(claim))
    left = {k for k in claim.left_out if "@" not in k}
    assert tested <= study, (i, sorted(tested - study))
    assert not tested & left, (i, sorted(tested & left))
    assert study == tested | left, f"row {i} ({claim.study}) neither tests nor leaves out " \
        f"{sorted(study - tested - left)}"
    assert all(why for why in claim.left_out.values()), i
    for key in list(claim.expect) + [k for k in claim.left_out if "@" in k]:
      assert key.split("@")[0] in study, (i, key)
    assert set(claim.expect.values()) <= set(claims.REGIME_EXPECTATIONS), i


def test_cells_left_out_for_one_reason_are_listed_once_with_it():
  text = tables._left_out_text({"c1": "too small", "c2": "too big", "c3": "too small"})
  assert text == "`c1`, `c3` (too small); `c2` (too big)"


def test_every_claim_quotes_the_paper_in_at_most_25_words_or_says_it_is_ours():
  text = (REPO.parent / "shared" / "seeds")
  paper = next(text.glob("000_*.txt"), None) if text.is_dir() else None
  for i, claim in enumerate(claims.CLAIMS, 1):
    if not claim.paper:
      assert "ours" in claim.text or "our open question" in claim.text, i
      continue
    where, quote = claim.paper.split(": \"", 1)
    assert where and quote.endswith("\""), i
    words = [w for w in quote[:-1].replace("...", " ").split() if any(ch.isalnum() for ch in w)]
    assert len(words) <= 25, (i, len(words))
    if paper is not None:  # each fragment between ellipses is the paper's text, word for word
      # the paper's LaTeX as the quote writes it: $\hat{x}$ -> x̂, $x$ -> x
      body = " ".join(re.sub(r"\\hat\{(\w)\}", "\\1\u0302", paper.read_text()).replace("$", "").split())
      body = re.sub(r" ([,.;:])", r"\1", body)
      for fragment in quote[:-1].split("..."):
        fragment = " ".join(fragment.strip(" ;,.").split())
        assert fragment in body, (i, fragment)


def test_every_figure_of_the_paper_has_a_claim_row_or_a_reason_it_is_not_run():
  tested = {f for c in claims.CLAIMS for f in claims.figures_of(c)}
  assert set(claims.NOT_RUN) <= set(claims.PAPER_FIGURES) and tested <= set(claims.PAPER_FIGURES)
  assert set(claims.PAPER_FIGURES) == tested | set(claims.NOT_RUN), \
      sorted(set(claims.PAPER_FIGURES) - tested - set(claims.NOT_RUN))
  assert claims.figures_of(claims.Claim("x", "Fig 3a, 9, 31-33, App. D", "s")) == [3, 9, 31, 32, 33]
  table = tables.figures_table({}).splitlines()
  assert len(table) == 2 + 36 and table[2].startswith("| 1 | 17 |")


def test_dead_seeds_share_and_the_step_their_loss_froze():
  dead = lambda: seed_record("dead", 0.0, 0.0, 0.52)
  summary = dict(name="s", regime_rule=dict(suite="patterns"), cells={
      "a": summary_lib.summarize_cell(cell_result([dead()] * 3 + [seed_record("fitted", 0.9, 0)] * 5)
                                      ).to_json()})
  record = dataclasses.replace(_rec(summary), dead_frozen_at={"a": [2000, 4000, -1]})
  assert tables.dead_text("a", record.cells["a"], record) == \
      "3/8 [0.14, 0.69] (froze 2,000-4,000; 1 still moving)"
  record = dataclasses.replace(record, dead_frozen_at={"a": [None, None, None]})  # older results
  assert tables.dead_text("a", record.cells["a"], record).endswith("(froze: not recorded)")
  assert "| 3/8 [0.14, 0.69] (froze: not recorded) |" in tables.cells_table({"s": record})


def _one_cell_study(name, seeds, rows=()):
  summary = dict(name="s", cells={name: summary_lib.summarize_cell(cell_result(seeds)).to_json()},
                 regime_rule=dict(suite="patterns"), rows=list(rows))
  return {"s": _rec(summary)}


def test_unfit_needs_its_own_share_of_seeds_that_did_not_fit():
  claim = claims.Claim("x", "-", "s", expect={"a": "unfit"})
  unfit = lambda k: [seed_record("not_fitted", 0, 0, 0.3)] * k
  fit = lambda k: [seed_record("fitted", 0.9, 0.0)] * k
  assert claims.judge(claim, _one_cell_study("a", unfit(8))) == "agrees"
  assert claims.judge(claim, _one_cell_study("a", [seed_record("dead", 0, 0, 0.5)] * 8)) == "agrees"
  assert claims.judge(claim, _one_cell_study("a", unfit(6) + fit(2))) == \
      "inconclusive: a did not fit 6/8 [0.41, 0.93]"
  assert claims.judge(claim, _one_cell_study("a", unfit(4) + fit(4))).startswith(
      "differs: a did not fit 4/8")


def test_fits_needs_at_least_90_percent_of_seeds_fitted():
  claim = claims.Claim("x", "-", "s", expect={"a": "fits"})
  fit = lambda k: [seed_record("fitted", 0.9, 0.0)] * k
  dead = lambda k: [seed_record("dead", 0, 0, 0.5)] * k
  assert claims.judge(claim, _one_cell_study("a", fit(8))) == "agrees"
  assert claims.judge(claim, _one_cell_study("a", fit(6) + dead(2))) == \
      "inconclusive: a fitted 6/8 [0.41, 0.93]"
  assert claims.judge(claim, _one_cell_study("a", fit(3) + dead(5))).startswith("differs: a fitted 3/8")


def test_a_lean_is_the_t_interval_of_the_per_seed_difference_between_the_poles():
  claim = claims.Claim("x", "-", "s", expect={"a": "leans constant"})
  row = lambda ci, cc: dict(cell="a", status="fitted", suite="patterns", corr_identity=ci,
                            corr_constant=cc)
  seeds = [seed_record("fitted", 0.0, 0.43)] * 6  # constant by neither the 0.5 threshold...
  leaning = [row(0.0, 0.40), row(0.05, 0.45), row(-0.02, 0.42), row(0.01, 0.47), row(0.0, 0.41),
             row(0.02, 0.44)]
  assert claims.judge(claim, _one_cell_study("a", seeds, leaning)) == "agrees"  # ...but leaning
  # |corr to constant| is what the rule reads: a negative correlation leans constant too
  mirrored = [dict(r, corr_constant=-r["corr_constant"]) for r in leaning]
  assert claims.judge(claim, _one_cell_study("a", seeds, mirrored)) == "agrees"
  other_way = [row(r["corr_constant"], r["corr_identity"]) for r in leaning]
  assert claims.judge(claim, _one_cell_study("a", seeds, other_way)) == \
      "differs: a leans the other way"
  assert claims.judge(claim, _one_cell_study("a", seeds, leaning[:3])).startswith(
      "inconclusive: a leans neither way")  # 3 seeds: no t interval


def test_negated_and_size_expectations():
  not_identity = claims.Claim("x", "-", "s", expect={"a": "not identity"})
  neither = [seed_record("fitted", 0.2, 0.1)] * 8
  identity = [seed_record("fitted", 0.9, 0.1)] * 8
  assert claims.judge(not_identity, _one_cell_study("a", neither)) == "agrees"
  assert claims.judge(not_identity, _one_cell_study("a", identity)) == \
      "differs: a identity, expected not identity"
  at_size = claims.Claim("x", "-", "s", expect={"a@7": "not identity", "a@56": "identity"})
  study = _one_cell_study("a", identity)
  record = dataclasses.replace(study["s"], size_verdicts={"a": {"7": "neither", "56": "identity"}})
  assert claims.judge(at_size, {"s": record}) == "agrees"
  record = dataclasses.replace(record, size_verdicts={"a": {"7": "identity", "56": "identity"}})
  assert claims.judge(at_size, {"s": record}) == "differs: a@7 identity, expected not identity"
  assert tables._size_lines(at_size, record) == ["`a` at 7 px: identity", "`a` at 56 px: identity"]


def _cells_study(cells: dict, analyses: dict) -> dict:
  """Study "s" of cells name -> seeds, with this analyses.json."""
  summary = dict(name="s", regime_rule=dict(suite="patterns"), cells={
      n: summary_lib.summarize_cell(cell_result(seeds)).to_json() for n, seeds in cells.items()})
  return {"s": dataclasses.replace(_rec(summary), analyses=analyses)}


def test_layer_rules_count_the_analysed_seeds_that_pass_each_rule():
  fit = [seed_record("fitted", 0.9, 0.0)] * 8
  hump, flat = [0.3, 0.5, 0.6, 0.35], [0.3, 0.32, 0.33, 0.31]  # flat: peak 0.03 above, noise
  entry = lambda *curves: dict(seeds=list(range(len(curves))), collapse_trained=list(curves),
                               collapse_untrained=[[0.3, 0.4, 0.5, 0.6]] * len(curves))
  claim = claims.Claim("x", "-", "s", layers={"a": ("concave",), "untrained_net": ("useless beyond 6",)})
  useless = dict(collapse=[[0.3] * 7 + [0.87, 0.9]] * 2)
  assert claims.judge(claim, _cells_study({"a": fit}, {"a": entry(hump, hump), "untrained_net": useless})) == "agrees"
  assert claims.judge(claim, _cells_study({"a": fit}, {"a": entry(hump, flat, flat), "untrained_net": useless})) \
      == "differs: a concave 1/3 [0.06, 0.79]"
  assert claims.judge(claim, _cells_study({"a": fit}, {"a": entry(hump, hump, hump, flat),
                                                       "untrained_net": useless})) \
      == "inconclusive: a concave 3/4 [0.30, 0.95]"
  useful = dict(collapse=[[0.3] * 7 + [0.8, 0.9]] * 2)  # layer 7 errs 0.1 below chance: not useless
  assert claims.judge(claim, _cells_study({"a": fit}, {"a": entry(hump), "untrained_net": useful})) \
      == "differs: untrained_net useless beyond 6 0/2 [0.00, 0.66]"
  assert claims.judge(claim, _cells_study({"a": fit}, {"untrained_net": useless})).startswith(
      "pending: a not in analyses.json")
  # a thin cell is inconclusive whatever its analysed seeds show, and needs no analyses
  thin = fit[:5] + [seed_record("dead", 0, 0, 0.5)] * 3
  assert claims.judge(claim, _cells_study({"a": thin}, {"untrained_net": useless})) == \
      "inconclusive: a fitted 5/8"
  improves = claims.Claim("x", "-", "s", layers={"a": ("bottom improves",)})
  better = dict(seeds=[0], collapse_untrained=[[0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 0.9]],
                collapse_trained=[[0.3, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9]])
  worse = dict(better, collapse_trained=[[0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 0.5]])  # layer 6 is not bottom
  assert claims.judge(improves, _cells_study({"a": fit}, {"a": better})) == "agrees"
  assert claims.judge(improves, _cells_study({"a": fit}, {"a": worse})).startswith("differs")
  assert claims.cells_of(claim) == ["a"]  # an untrained reference is not a cell of the study


def test_the_upper_half_rule_reads_the_top_half_of_each_analysed_net():
  fit = [seed_record("fitted", 0.9, 0.0)] * 8
  claim = claims.Claim("x", "-", "s", layers={"a": ("upper half leans constant",)})
  # a 20-layer net: its upper half is its top 10 layers; top_6 says the opposite and is not read
  top = lambda ident, const: dict(corr_identity=ident, corr_constant=const)
  entry = lambda half: dict(seeds=[0, 1], depth=20, upper={"top_10": half,
                                                           "top_6": top([0.9, 0.9], [0.0, 0.0])})
  assert claims.judge(claim, _cells_study({"a": fit}, {"a": entry(top([0.1, 0.2], [0.6, -0.7]))})) \
      == "agrees"  # |corr| to the image: a signed multiple of the "7" is the "7" drawn
  assert claims.judge(claim, _cells_study({"a": fit}, {"a": entry(top([0.1, 0.8], [0.6, 0.7]))})) \
      == "inconclusive: a upper half leans constant 1/2 [0.09, 0.91]"
  # analysed before analyses.json kept the upper subnetworks' numbers: pending, not differs
  older = dict(seeds=[0, 1], collapse_trained=[[0.3, 0.4]] * 2)
  assert claims.judge(claim, _cells_study({"a": fit}, {"a": older})) == (
      "pending: a (upper) analysed before analyses.json kept that (rerun identity-jax-analyze)")


def test_a_weight_change_trend_reads_the_bottom_layers_mean_kernel_change():
  fit = [seed_record("fitted", 0.9, 0.0)] * 8
  change = lambda *v: dict(seeds=list(range(len(v))),
                           weight_change={"layer_0": {"kernel": list(v), "bias": [9.0] * len(v)}})
  claim = claims.Claim("x", "-", "s", trends=((claims.WEIGHT_CHANGE, "layer_0", -1, ("a", "b", "c")),))
  falling = {"a": change(0.3, 0.5), "b": change(0.2, 0.4), "c": change(0.05, 0.01)}
  assert claims.judge(claim, _cells_study(dict(a=fit, b=fit, c=fit), falling)) == "agrees"
  rising = dict(falling, a=change(0.01, 0.01))
  assert claims.judge(claim, _cells_study(dict(a=fit, b=fit, c=fit), rising)) == \
      "differs: layer_0 trend over a, b, c: Spearman +0.50"


def test_a_claim_on_another_suite_reads_each_fitted_seeds_regime_there():
  identity = [seed_record("fitted", 0.9, 0.1)] * 3 + [seed_record("not_fitted", 0, 0, 0.3)]
  row = lambda status, ci, cc: dict(cell="a", status=status, suite="rho_0.00", corr_identity=ci,
                                    corr_constant=cc)
  rows = [row("fitted", 0.1, 0.8), row("fitted", 0.2, 0.9), row("fitted", 0.1, 0.2),
          row("not_fitted", 0.9, 0.0)]  # not fitted: no regime, whatever its correlations
  study = _one_cell_study("a", identity, rows)
  on_patterns = claims.Claim("x", "-", "s", expect={"a": "identity"})
  at_rho0 = claims.Claim("x", "-", "s", expect={"a": "constant"}, suite="rho_0.00")
  assert claims.judge(at_rho0, study) == "inconclusive: a fitted 3/4"  # the 90% rule still holds
  study = _one_cell_study("a", identity[:3], rows[:3])
  assert claims.judge(at_rho0, study) == "agrees"
  assert claims.judge(on_patterns, study) == "agrees"  # the same seeds, identity on patterns
  verdict, shares = claims.cell_verdict("a", study["s"], "rho_0.00")
  assert verdict == "constant" and (shares["constant"]["count"], shares["neither"]["count"]) == (2, 1)
  assert tables.cell_text("a", study["s"].cells["a"], "rho_0.00", study["s"]).startswith(
      "`a` constant 2/3 [")


def test_size_verdicts_come_from_each_fitted_seeds_regime_at_that_size(tmp_path):
  seeds = [dict(seed_record("fitted", 0.9, 0.1), seed=i) for i in range(4)] + \
      [dict(seed_record("not_fitted", 0.9, 0.1, 0.3), seed=4)]
  for i, s in enumerate(seeds):  # at 7 px: 3 fitted seeds neither, 1 identity, the unfitted identity
    s["test_sizes"] = {"7": {"patterns": dict(s["suites"]["patterns"],
                                               corr_identity=0.9 if i >= 3 else 0.2)}}
  result = cell_result(seeds)
  root = tmp_path / "s"
  atomic.write_json(root / "summary.json", dict(
      name="s", cells={"a": summary_lib.summarize_cell(result).to_json()},
      regime_rule=dict(suite="patterns", threshold=0.5)))
  record = dict(cell="a", steps_run=10, config={}, seeds=seeds)
  atomic.write_json(root / "cells" / "a" / "result.json", record)
  study = claims.load_study_dir(root)
  assert study.cells["a"].verdict == "identity" and study.size_verdicts == {"a": {"7": "neither"}}


def test_cost_table_names_each_cells_cpu_never_the_last_runs_for_cells_without_one():
  summary = _summary({"a": (8, 8, 0.9), "b": (8, 8, 0.9), "c": (8, 8, 0.9)})
  summary["environment"] = dict(cpu="Last run's CPU")  # a resumed run on another machine
  row = lambda: tables.cost_table({"convnet_depth": _rec(summary)}).splitlines()[-1]
  assert row().endswith("| not recorded |")
  for cell, cpu in (("a", "Old CPU"), ("b", "Old CPU"), ("c", "New CPU")):
    summary["cells"][cell]["timing"] = dict(summary["cells"][cell]["timing"], cpu=cpu)
  assert row().endswith("| Old CPU (2 cells); New CPU (1 cell) |")
  # c grown in blocks of seeds: its earlier blocks on the old machine, the rest on the new
  summary["cells"]["c"]["timing"]["cpu"] = results.join_cpus("Old CPU", "New CPU", "New CPU")
  assert row().endswith("| Old CPU (3 cells); New CPU (1 cell) |")


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
  study["cells"]["b"] = summary_lib.summarize_cell(cell_result(
      [seed_record("fitted", ci, 0.0) for ci in (0.45, 0.55, 0.48, 0.53, 0.52)])).to_json()
  rec = _rec(study)
  assert claims.borderline(rec.cells["b"], rec) and not claims.borderline(rec.cells["a"], rec)
  assert claims.judge(claim, {"convnet_depth": _rec(study)}) == "agrees; borderline: b"
  assert "`b` identity 3/5 [0.23, 0.88] (borderline)" in tables.cell_text("b", rec.cells["b"],
                                                                           "patterns", rec)
  assert "| neither (borderline) |" not in tables.cells_table({"convnet_depth": _rec(study)})
  assert "| identity (borderline) |" in tables.cells_table({"convnet_depth": _rec(study)})
  # the mirror case: |corr to constant| near the threshold with a negative sign
  study["cells"]["b"] = summary_lib.summarize_cell(cell_result(
      [seed_record("fitted", 0.0, cc) for cc in (-0.45, -0.55, -0.48, -0.53, -0.52)])).to_json()
  assert claims.borderline(_rec(study).cells["b"], _rec(study))
  # fewer than 4 fitted seeds: no t interval, so nothing is called borderline
  study["cells"]["b"] = summary_lib.summarize_cell(cell_result(
      [seed_record("fitted", ci, 0.0) for ci in (0.45, 0.55, 0.52)])).to_json()
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
  dead = [seed_record("dead", 0.0, 0.0, 0.5)] * 10
  study = _summary(dict(a=(8, 8, 0.9)))
  study["cells"]["b"] = summary_lib.summarize_cell(cell_result([seed_record("fitted", 0.9, 0.0)] + dead)).to_json()
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
  atomic.write_json(tmp_path / "results" / "convnet_depth" / "summary.json", summary)
  md = tmp_path / "RESULTS.md"
  prose = "# Results\n\nhand-written prose\n\n"
  md.write_text(prose + "\n\n".join(f"{tables.BEGIN.format(t)}\nstale\n{tables.END.format(t)}"
                                     for t in tables.GENERATED) + "\nend\n")
  run = lambda *flags: subprocess.run(
      [sys.executable, str(REPO / "experiments" / "results_table.py"),
       f"--results={tmp_path / 'results'}", f"--results_md={md}", *flags],
      capture_output=True, text=True)
  assert run("--check").returncode == 1
  assert run().returncode == 0
  text = md.read_text()
  assert text.startswith(prose) and text.endswith("end\n") and "stale" not in text
  assert "| `c5` | fitted 8/8 | 0 | 0/8 [0.00, 0.32] | identity | 8/8 [0.68, 1.00] |" in text
  assert "`convnet_depth` quick, 8 seeds per cell, fitted 64/64, independent seeds" in text
  # 8 cells x 8 seeds, each cell 0.5 s compiling and 0.5 s training at 160 seed-steps/s
  assert "| `convnet_depth` | 8 | 64 | 640 | 0.1 | 0.1 | 160-160 | not recorded |" in text
  assert "  - `concave`: a seed passes when its trained error curve peaks at an inner layer, above " \
      f"both the input's and the output's error by more than {claims.COLLAPSE_NOISE}" in text
  assert run("--check").returncode == 0
  # a cell resumed at step 900 of 1,000: its seed-steps are all 1,000 steps, from its result.json
  atomic.write_json(tmp_path / "results" / "convnet_depth" / "cells" / "c1" / "result.json",
                     dict(steps_run=1000, resumed_from_step=900, config={}))
  assert run().returncode == 0
  assert ("| `convnet_depth` | 8 | 64 | 8,560 | 0.1 | 0.1 | 160-160 | not recorded |"
          in md.read_text())


def test_prose_values_are_generated_from_the_summaries_and_bad_keys_name_the_fix(tmp_path):
  summary = _summary(dict(a=(6, 8, 0.9), b=(8, 8, 0.2)))
  summary["rows"] = [dict(cell="a", status="fitted", suite="patterns", corr_identity=ci)
                     for ci in (0.61, 0.93)] + [
                     dict(cell="a", status="not_fitted", suite="patterns", corr_identity=0.01),
                     dict(cell="a", status="fitted", suite="mnist", corr_identity=0.2)]
  summary["cells"]["b"]["dead_at_init"] = 3
  studies = {"convnet_depth": _rec(summary)}
  text = ("a fitted <!--v convnet_depth/a/fitted-->stale<!--/v-->, identity "
          "<!--v convnet_depth/a/identity--><!--/v--> (corr <!--v convnet_depth/a/corr_id-->x<!--/v-->, "
          "from <!--v convnet_depth/a/corr_id_range-->x<!--/v-->); b neither "
          "<!--v convnet_depth/b/neither-->x<!--/v-->, not fitted <!--v convnet_depth/a/not_fitted-->x<!--/v-->, "
          "b flat at init <!--v convnet_depth/b/flat_at_init-->x<!--/v-->, dead "
          "<!--v convnet_depth/b/dead_share-->x<!--/v-->")
  assert tables.VALUE.sub(lambda m: f"[{tables.value(m[1], studies)}]", text) == (
      "a fitted [6/8], identity [6/6] (corr [+0.90 ± 0.00], from [+0.61 to +0.93]); b neither [8/8], "
      "not fitted [2], b flat at init [3/8], dead [0/8 [0.00, 0.32]]")
  with pytest.raises(ResultsMdError, match="field one of: fitted"):
    tables.value("convnet_depth/a/corr", studies)
  with pytest.raises(ResultsMdError, match="results/ has no cell convnet_depth/z"):
    tables.value("convnet_depth/z/fitted", studies)
  # through the command: a stale value is rewritten, a bad key is an error naming the fix
  (tmp_path / "results" / "convnet_depth").mkdir(parents=True)
  atomic.write_json(tmp_path / "results" / "convnet_depth" / "summary.json", summary)
  md = tmp_path / "RESULTS.md"
  markers = "".join(f"{tables.BEGIN.format(t)}\n{tables.END.format(t)}\n"
                   for t in tables.GENERATED)
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


def test_every_image_the_markdown_shows_is_in_the_repository():
  for doc in ("RESULTS.md", "README.md"):
    shown = re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", (REPO / doc).read_text())
    missing = [path for path in shown if not (REPO / path).is_file()]
    assert not missing, f"{doc} shows {missing}: draw them (identity-jax-plot) and commit them"


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


# --- figures, read from the Figure objects ----------------------------------------------------------

def _cell(name, seeds, **model):
  """A CellResult with these seed records, its config carrying the rule and model fields."""
  rho = lambda ci, cc: dict(corr_identity=ci, corr_constant=cc, cos_identity=ci, cos_constant=cc,
                            mse_identity=1 - ci, mse_constant=1 - cc)
  for s in seeds:  # two rho suites, the first like patterns, the second halved
    m = s["suites"]["patterns"]
    s["suites"] = dict(s["suites"], **{"rho_0.00": rho(m["corr_identity"], m["corr_constant"]),
                                       "rho_1.00": rho(m["corr_identity"] / 2, m["corr_constant"] / 2)})
  r = cell_result(copy.deepcopy(seeds))
  r.name, r.config = name, dict(r.config, model=dict(name="convnet", **model))
  return r


def _grid_study():
  """A 2 x 2 phase grid: depth 1 identity, depth 6 constant (ch 8) or inconclusive (ch 2)."""
  fit = lambda ci, cc, n: [seed_record("fitted", ci, cc)] * n
  unfit = lambda n: [seed_record("not_fitted", 0.0, 0.0, 0.3)] * n
  cells = {"d1_ch2": _cell("d1_ch2", fit(0.9, 0.1, 4), num_layers=1, channels=2),
           "d1_ch8": _cell("d1_ch8", fit(0.8, 0.0, 3) + fit(0.1, 0.9, 1), num_layers=1, channels=8),
           "d6_ch2": _cell("d6_ch2", fit(0.1, 0.9, 1) + unfit(3), num_layers=6, channels=2),
           "d6_ch8": _cell("d6_ch8", fit(0.0, 0.95, 4), num_layers=6, channels=8)}
  config = dict(plots=dict(sweep="model.num_layers", group_by="model.channels"), metrics=RULE)
  return summary_lib.Study(name="grid", config=config, cells=cells)


def test_phase_diagram_shows_each_cells_regimes_where_its_axes_put_it():
  from identity_jax.reporting import plots
  fig = plots.phase_diagram(_grid_study())
  ax = fig.axes[0]
  assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "6"]
  assert [t.get_text() for t in ax.get_yticklabels()] == ["2", "8"]
  assert (ax.get_xlabel(), ax.get_ylabel()) == ("model.num_layers", "model.channels")
  # the image: identity share minus constant share of the fitted seeds; NaN where inconclusive
  value = np.ma.filled(ax.images[0].get_array(), np.nan)
  np.testing.assert_allclose(value[:, 0], [1.0, 0.5])  # ch2 d1 4/4 identity; ch8 d1 3 vs 1
  assert np.isnan(value[0, 1]) and value[1, 1] == -1.0
  texts = {t.get_text() for t in ax.texts}
  assert "id0 co1\nof 1/4\nnf3" in texts and "id4 co0\nof 4/4" in texts
  assert sum(p.get_hatch() == "//" for p in ax.patches) == 1  # the inconclusive cell
  assert fig.axes[1].get_ylabel() == "identity - constant share"
  # not a grid: no figure
  one_axis = _grid_study()
  one_axis.config["plots"]["group_by"] = ""
  assert plots.phase_diagram(one_axis) is None


def test_seed_histograms_count_fitted_seeds_only():
  from identity_jax.reporting import plots
  fig = plots.seed_histograms(_grid_study())
  identity_ax = fig.axes[0]
  legend = [t.get_text() for t in identity_ax.get_legend().get_texts()]
  assert legend == ["d1_ch2 (4/4 fitted)", "d6_ch2 (1/4 fitted)", "d1_ch8 (4/4 fitted)",
                    "d6_ch8 (4/4 fitted)"]
  # one step histogram per cell; its tallest bin: the fitted seeds sharing one value (d6_ch2: the
  # single fitted seed, its 3 unfitted ones not drawn; d1_ch8: 3 at 0.8 and 1 at 0.1)
  tallest = [p.get_path().vertices[:, 1].max() for p in identity_ax.patches]
  assert tallest == [4, 1, 3, 4]
  assert identity_ax.get_xlabel() == "correlation to identity (patterns; mean over its images)"


def test_sweep_figure_draws_the_summary_means_and_regime_shares():
  from identity_jax.reporting import plots
  study = _grid_study()
  fig = plots.sweep_figure(study, "corr")
  identity_ax, constant_ax, regimes_ax = fig.axes
  # one line per channel count, through the fitted seeds' mean corr to identity on patterns
  lines = [l for l in identity_ax.get_lines() if l.get_linestyle() == "-"]
  by_label = {l.get_label(): l.get_ydata() for l in lines}
  np.testing.assert_allclose(by_label["channels 2"], [0.9, 0.1])
  np.testing.assert_allclose(by_label["channels 8"], [0.625, 0.0])
  # regimes: identity share of fitted seeds per cell, and the not fitted share of all seeds
  shares = {l.get_label(): l.get_ydata() for l in regimes_ax.get_lines()}
  np.testing.assert_allclose(shares["identity (of fitted), channels 8"], [0.75, 0.0])
  np.testing.assert_allclose(shares["not fitted / dead / diverged (of all), channels 2"], [0.0, 0.75])
  assert "share of fitted seeds per regime" in regimes_ax.get_title()


def test_rho_heatmaps_and_suite_bars_show_the_summary_means():
  from identity_jax.reporting import plots
  study = _grid_study()
  fig = plots.rho_heatmaps(study, "corr")
  image = fig.axes[0].images[0].get_array()
  order = study.ordered()  # ch2 d1, ch2 d6, ch8 d1, ch8 d6
  assert order == ["d1_ch2", "d6_ch2", "d1_ch8", "d6_ch8"]
  np.testing.assert_allclose(image[:, 0], [0.9, 0.1, 0.625, 0.0])   # rho 0: as patterns
  np.testing.assert_allclose(image[:, 1], [0.45, 0.05, 0.3125, 0.0])  # rho 1: halved
  assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["0.00", "1.00"]
  bars = plots.suites_bars(study)
  heights = [p.get_height() for p in bars.axes[0].patches]
  np.testing.assert_allclose(heights, [0.9, 0.1, 0.625, 0.0])  # one suite (patterns), four cells
  no_rho = summary_lib.Study(name="x", config=dict(plots={}, metrics=RULE),
                             cells={"c": cell_result([seed_record("fitted", 0.9, 0.1)] * 2)})
  assert plots.rho_heatmaps(no_rho, "corr") is None


def test_every_registered_figure_names_what_it_needs():
  from identity_jax.reporting import figure_registry as registry
  names = [f.name for f in registry.ALL]
  assert len(names) == len(set(names))
  assert {f.needs for f in registry.ALL} <= {registry.SUMMARY, registry.ARRAYS, registry.ANALYSES,
                                            registry.IMAGES}
  assert registry.array_figures() == ("prediction_grid.png", "loss.png", "test_sizes_grid.png")
  study = _grid_study()  # no arrays: the study figures that need them draw nothing
  drawn = {f.name: f.draw(study) for f in registry.STUDY_FIGURES}
  assert all(drawn[n] is None for n in registry.array_figures())
  assert drawn["phase.png"] is not None and drawn["seed_hist.png"] is not None


def test_the_not_drawn_title_wraps_to_the_figure_and_leaves_it_room():
  """A long list of cells without arrays (56-cell phase_diagram) is wrapped, every name kept, and the
  axes start below it: one unwrapped line ran off both edges and over the first row."""
  import matplotlib.pyplot as plt

  from identity_jax.reporting import plots
  names = [f"d{d}_ch{c}" for c in (2, 3, 4, 8, 16) for d in (1, 2, 3, 4, 6, 8, 10, 12)]
  fig = plt.figure(figsize=(6, 4))
  top = plots._note_missing(fig, names)
  lines = fig.get_suptitle().split("\n")
  assert len(lines) > 1 and all(len(l) <= 20 * 6 for l in lines)
  assert fig.get_suptitle().replace("\n", " ").endswith(", ".join(names))
  assert 1 - top > 0.1 * len(lines) / 4  # room for the lines of ~0.1 in on a 4-inch figure
  assert plots._note_missing(plt.figure(), []) == 1.0
  plt.close("all")
