"""A study's results and summaries (study/evaluate.py, results.py, summary.py): a seed's final
status, and statistics that count fitted seeds only."""

import json
import math
import pathlib

import pytest
from helpers import cell_result, seed_record

from identity_jax.study import evaluate
from identity_jax.study import summary as summary_lib

REPO = pathlib.Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("trained, spread, expected", [
    ("not_fitted", 0.0, "dead"), ("not_fitted", 1e-9, "dead"), ("not_fitted", 0.3, "not_fitted"),
    ("fitted", 0.0, "fitted"),  # a fitted constant map is memorization, not death
    ("diverged", 0.0, "diverged"), ("not_fitted", float("nan"), "dead")])
def test_final_status(trained, spread, expected):
  assert evaluate.final_status(trained, spread, 1e-6) == expected


def test_summary_reads_fitted_seeds_only_and_counts_the_rest():
  seeds = [seed_record("fitted", 0.9, 0.1), seed_record("fitted", 0.8, 0.0), seed_record("fitted", 0.1, 0.9),
           seed_record("not_fitted", 0.0, 0.95, 0.3), seed_record("dead", 0.0, 0.0, 0.5),
           seed_record("diverged", float("nan"), float("nan"), float("nan"))]
  s = summary_lib.summarize_cell(cell_result(seeds))
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
  assert [x.regime for x in cell_result(seeds).seeds] == \
      ["identity", "identity", "constant", None, None, None]


def test_a_cell_with_fewer_than_half_fitted_is_inconclusive():
  seeds = [seed_record("fitted", 0.9, 0.1)] * 2 + [seed_record("not_fitted", 0.9, 0.1, 0.2)] * 3
  assert summary_lib.summarize_cell(cell_result(seeds)).verdict == "inconclusive"
  seeds = [seed_record("fitted", 0.9, 0.1)] * 3 + [seed_record("not_fitted", 0.9, 0.1, 0.2)] * 3
  assert summary_lib.summarize_cell(cell_result(seeds)).verdict == "identity"
  tie = [seed_record("fitted", 0.9, 0.1), seed_record("fitted", 0.1, 0.9)]
  assert summary_lib.summarize_cell(cell_result(tie)).verdict == "split"
