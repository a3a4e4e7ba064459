"""Measures (measures/): per-image metrics, statuses and the regime rule, statistics over seeds."""

import math

import jax
import numpy as np
import pytest

from identity_jax.measures import metrics, regime, stats
from identity_jax.measures.regime import RegimeRule


def test_pearson_cosine_mse_against_numpy():
  rng = np.random.default_rng(0)
  a, b = rng.normal(size=(4, 6, 6)) + 1.0, rng.normal(size=(4, 6, 6))
  for i in range(4):
    x, y = a[i].ravel(), b[i].ravel()
    assert np.isclose(metrics.pearson(a, b)[i], np.corrcoef(x, y)[0, 1], atol=1e-6)
    assert np.isclose(metrics.cosine(a, b)[i], x @ y / np.linalg.norm(x) / np.linalg.norm(y),
                      atol=1e-6)
    assert np.isclose(metrics.mse(a, b)[i], np.mean((x - y) ** 2), atol=1e-6)


def test_constant_prediction_has_zero_correlation_not_nan():
  c = np.ones((1, 5, 5))
  assert float(metrics.pearson(c, np.random.default_rng(0).normal(size=(1, 5, 5)))[0]) == 0.0


def test_identity_and_constant_functions_score_at_the_poles():
  rng = np.random.default_rng(1)
  train = rng.normal(size=(1, 8, 8))
  inputs = rng.normal(size=(5, 8, 8))
  ident = metrics.similarities(inputs, inputs, train)
  const = metrics.similarities(np.repeat(train, 5, 0), inputs, train)
  np.testing.assert_allclose(ident["corr_identity"], 1, atol=1e-6)
  np.testing.assert_allclose(ident["mse_identity"], 0, atol=1e-6)
  np.testing.assert_allclose(const["corr_constant"], 1, atol=1e-6)
  np.testing.assert_allclose(const["mse_constant"], 0, atol=1e-6)
  assert np.abs(const["corr_identity"]).max() < 0.5


def test_constant_with_several_training_images_takes_the_closest():
  rng = np.random.default_rng(2)
  train = rng.normal(size=(3, 8, 8))
  pred = np.stack([train[2], train[0]])
  m = metrics.similarities(pred, rng.normal(size=(2, 8, 8)), train)
  np.testing.assert_allclose(m["corr_constant"], 1, atol=1e-6)
  np.testing.assert_allclose(m["mse_constant"], 0, atol=1e-6)


def test_summary_statistics():
  v = [1.0, 2.0, 3.0, 4.0, np.nan]  # the NaN (a diverged seed) is left out
  s = stats.summarize(v)
  assert s["n"] == 4 and s["mean"] == 2.5
  assert np.isclose(s["std"], np.std([1, 2, 3, 4], ddof=1))
  half = 3.182446305284263 * s["std"] / 2  # t(0.975, 3 degrees of freedom), from a t table
  assert np.isclose(s["ci95_high"] - s["mean"], half) and np.isclose(s["mean"] - s["ci95_low"], half)
  assert stats.summarize([np.nan])["n"] == 0 and stats.summarize([0.3])["std"] is None


@pytest.mark.parametrize("ci, cc, expected", [
    (0.9, 0.1, "identity"), (0.2, 0.95, "constant"), (0.1, 0.2, "neither"),
    (0.6, 0.7, "constant"), (0.49, 0.3, "neither"), (0.6, 0.6, "neither"),
    (0.03, -0.99, "constant"), (0.9, -0.6, "identity"), (0.5, -0.7, "constant"),
    (0.1, -0.4, "neither")])
def test_regimes(ci, cc, expected):
  assert RegimeRule(threshold=0.5).classify(ci, cc) == expected


def test_rule_classifies_only_fitted_seeds_and_reads_its_own_suite():
  rule = RegimeRule.of(dict(regime_suite="mnist", regime_threshold=0.8))
  suites = dict(mnist=dict(corr_identity=0.85, corr_constant=0.1, cos_identity=0.5, cos_constant=0.9),
                patterns=dict(corr_identity=0.1, corr_constant=0.9))
  assert rule.of_seed("fitted", suites) == "identity"
  assert rule.of_seed("fitted", suites, "cos") == "constant"
  assert [rule.of_seed(s, suites) for s in ("not_fitted", "dead", "diverged")] == [None] * 3
  assert RegimeRule.from_json(rule.to_json()) == rule


@pytest.mark.parametrize("ci, cc, near", [
    ((0.45, 0.55), (0.0, 0.1), True),     # corr to identity's interval holds 0.5
    ((0.6, 0.9), (-0.55, -0.45), True),   # |corr to constant| is read: -0.5 counts
    ((0.6, 0.9), (0.1, 0.2), False), ((0.51, 0.9), (-0.49, 0.49), False)])
def test_near_threshold_is_an_interval_holding_the_threshold(ci, cc, near):
  s = lambda lo_hi: dict(ci95_low=lo_hi[0], ci95_high=lo_hi[1])
  assert RegimeRule(threshold=0.5).near_threshold(s(ci), s(cc)) == near
  assert not RegimeRule().near_threshold(None, dict(ci95_low=None, ci95_high=None))


def test_regime_shares_count_only_classified_seeds():
  shares = stats.regime_shares(["identity", "identity", "constant", None])
  assert {k: shares["identity"][k] for k in ("count", "n", "share")} == dict(count=2, n=3, share=2 / 3)
  assert shares["neither"]["count"] == 0 and shares["neither"]["share"] == 0.0
  assert shares["identity"]["ci95_low"] < 2 / 3 < shares["identity"]["ci95_high"]


# --- output spread ----------------------------------------------------------------------------------------

def test_output_spread_closed_forms():
  x = np.random.default_rng(0).normal(size=(10, 6, 6))
  preds = np.stack([x, 2 * x, np.broadcast_to(x[:1], x.shape), np.zeros_like(x)])
  np.testing.assert_allclose(metrics.output_spread(preds, x), [1.0, 4.0, 0.0, 0.0], atol=1e-12)


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


def test_loss_frozen_at_is_the_first_step_of_the_final_plateau():
  steps = np.array([0, 100, 200, 300, 400])
  history = np.array([[1.0, 0.52, 0.52, 0.52, 0.52],     # froze at 100 (a dead net's plateau)
                      [1.0, 0.5, 0.3, 0.1, 0.05],        # still moving
                      [1.0, 0.5, 0.3, 1e-4, 1e-4 * (1 + 1e-9)],  # equal within rtol from 300
                      [0.7, 0.7, 0.7, 0.7, 0.7]])        # flat from the start
  np.testing.assert_array_equal(metrics.loss_frozen_at(steps, history), [100, -1, 300, 0])


def test_suites_of_any_length_share_one_compiled_program_and_match_per_image_results():
  from helpers import model_cfg

  from identity_jax import models
  model = models.build_model(model_cfg(num_layers=2, channels=3))
  rng = np.random.default_rng(0)
  train = rng.random((1, 7, 7), np.float32)
  params = jax.vmap(lambda k: model.init(k, train))(jax.random.split(jax.random.key(0), 2))
  suites = {"a": rng.random((4, 7, 7), np.float32), "b": rng.random((11, 7, 7), np.float32)}
  scores_compiled = metrics._score._cache_size()  # shared by the whole process: count new entries
  preds, scores = metrics.evaluate(model, params, train, suites, batch=8)
  assert preds["a"].shape == (2, 4, 7, 7) and preds["b"].shape == (2, 11, 7, 7)
  assert scores["b"]["corr_identity"].shape == (2, 11)
  assert metrics._batched_apply(model)._cache_size() == 1  # lengths 4, 8 and 3 (11 in batches of 8)
  assert metrics._score._cache_size() - scores_compiled <= 1
  one = jax.vmap(model.apply, in_axes=(0, None))  # each image alone: no padding, no neighbours
  for name, images in suites.items():
    alone = np.concatenate([np.asarray(one(params, images[i:i + 1])) for i in range(len(images))], 1)
    np.testing.assert_allclose(preds[name], alone, rtol=1e-5, atol=1e-6)
    want = metrics.similarities(alone[0], images, train)["corr_identity"]
    np.testing.assert_allclose(scores[name]["corr_identity"][0], want, rtol=1e-5, atol=1e-6)
