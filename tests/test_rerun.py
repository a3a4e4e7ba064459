"""Comparing two runs of a cell seed by seed (identity_jax/reporting/rerun.py, experiments/compare_runs.py):
outcomes and their transitions, refusal when the seeds differ, and the three ways to name a run."""

import json
import subprocess
import sys

import pytest
from test_cli import REPO, assert_error

from identity_jax.reporting import rerun

CORRS = {"identity": (0.9, 0.1), "constant": (0.1, -0.9), "neither": (0.1, 0.1), None: (0.3, 0.2)}


def seed(i, status, regime=None, loss=1e-4, fitted_at=-1, stored=None):
  """A result.json seed whose metrics give `regime` under the rule; `stored`: the regime its JSON
  says (as an older rule wrote it), default the same."""
  ci, cc = CORRS[regime]
  return dict(seed=i, status=status, regime=stored or regime, final_loss=loss, fitted_at=fitted_at,
              suites=dict(patterns=dict(corr_identity=ci, corr_constant=cc)))


def result(seeds, stream="study/c16", base=0, steps=6000):
  return dict(cell="c16", seed_stream=stream, steps_run=steps, seeds=seeds,
              config=dict(seed=base, metrics=dict(regime_suite="patterns", regime_threshold=0.5),
                          train=dict(num_steps=steps)))


OLD = result([seed(0, "fitted", "constant", fitted_at=1775), seed(1, "not_fitted", loss=2e-3),
              seed(2, "dead", loss=0.5), seed(3, "not_fitted", loss=3e-3)])
NEW = result([seed(0, "fitted", "neither", fitted_at=6666), seed(1, "fitted", "constant"),
              seed(2, "dead", loss=0.4), seed(3, "fitted", "constant")], steps=20000)


def test_outcome_is_the_regime_only_for_fitted_seeds():
  assert [rerun.outcome(s) for s in OLD["seeds"]] == ["constant", "not_fitted", "dead", "not_fitted"]


def test_pairing_recomputes_regimes_under_each_runs_rule():
  """A stored regime written under another rule is not trusted: the metrics decide."""
  old = result([seed(0, "fitted", "constant", stored="identity")])
  stricter = result([seed(0, "fitted", "constant")])
  stricter["config"]["metrics"]["regime_threshold"] = 0.95  # |corr to constant| 0.9 < 0.95
  (a, b), = rerun.pair_seeds(old, stricter)
  assert (rerun.outcome(a), rerun.outcome(b)) == ("constant", "neither")


def test_transitions_count_each_seed_once_by_index():
  shuffled = dict(NEW, seeds=NEW["seeds"][::-1])  # paired by seed index, not by position
  counts = rerun.transitions(rerun.pair_seeds(OLD, shuffled))
  assert counts == {("constant", "neither"): 1, ("not_fitted", "constant"): 2, ("dead", "dead"): 1}
  text = rerun.render(OLD, NEW)
  assert "old run 6,000 of 6,000 steps, new run 20,000 of 20,000 steps" in text
  assert "same outcome 1/4; moved: constant -> neither 1, not_fitted -> constant 2" in text
  assert "fit@1775" in text and "fit@-1" not in text


def test_only_common_seed_indices_are_paired():
  fewer = dict(NEW, seeds=NEW["seeds"][2:])
  assert [a["seed"] for a, _ in rerun.pair_seeds(OLD, fewer)] == [2, 3]
  with pytest.raises(rerun.RerunError, match="no seed index in common"):
    rerun.pair_seeds(OLD, dict(NEW, seeds=[seed(9, "dead")]))


@pytest.mark.parametrize("other", [result([], stream="study/c20"), result([], base=1)])
def test_runs_from_other_seeds_are_refused(other):
  with pytest.raises(rerun.RerunError, match="draw different seeds"):
    rerun.pair_seeds(OLD, other)


def compare(cwd, old, new):
  return subprocess.run([sys.executable, str(REPO / "experiments" / "compare_runs.py"),
                         f"--old={old}", f"--new={new}"], capture_output=True, text=True, cwd=cwd,
                        timeout=300)


def test_binary_reads_a_file_a_cell_directory_and_git_history(tmp_path):
  git = lambda *args: subprocess.run(["git", "-C", str(tmp_path), *args], check=True,
                                     capture_output=True)
  cell = tmp_path / "results" / "s" / "cells" / "c16"
  cell.mkdir(parents=True)
  (cell / "result.json").write_text(json.dumps(OLD))
  git("init", "-q")
  git("add", ".")
  git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "old run")
  (cell / "result.json").write_text(json.dumps(NEW))  # the rerun replaces it
  out = compare(tmp_path, "HEAD:results/s/cells/c16/result.json", cell)
  assert out.returncode == 0, out.stderr
  assert "same outcome 1/4" in out.stdout
  out = compare(tmp_path, cell / "result.json", cell)  # a run against itself: nothing moved
  assert out.returncode == 0 and "same outcome 4/4; moved: none" in out.stdout, out.stderr


def test_binary_reports_a_missing_run(tmp_path):
  assert_error(compare(tmp_path, tmp_path / "none", tmp_path / "none"), "no cell result at")
  assert_error(compare(REPO, "nosuchrev:results/x/result.json", tmp_path), "git cannot show")
