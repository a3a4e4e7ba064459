"""Layer-wise analyses on tiny nets: each checks a property that could fail."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from helpers import model_cfg

from identity_jax import models
from identity_jax.analyses import layer_views, probes, representations, weights
from identity_jax.data import datasets, images
from identity_jax.errors import ConfigError


@pytest.fixture(scope="module")
def digits():
  ds = datasets.offline_mnist()
  rng = np.random.default_rng(0)
  tr, te = rng.choice(len(ds.train_labels), 600, False), rng.choice(len(ds.test_labels), 300, False)
  return (images.from_uint8(ds.train_images[tr]), ds.train_labels[tr],
          images.from_uint8(ds.test_images[te]), ds.test_labels[te])


def test_averaging_classifier_on_pixels_beats_chance_by_far(digits):
  trx, try_, tex, tey = digits
  err = representations.averaging_classifier_error(trx.reshape(600, -1), try_,
                                                   tex.reshape(300, -1), tey)
  assert err < 0.35  # chance is 0.9
  shuffled = representations.averaging_classifier_error(
      trx.reshape(600, -1), np.random.default_rng(1).permutation(try_), tex.reshape(300, -1), tey)
  assert shuffled > 0.75  # labels that carry no information give chance-level error


def test_collapsed_representation_is_at_chance(digits):
  trx, try_, tex, tey = digits
  const = lambda n: np.ones((n, 10)) + 1e-9 * np.arange(10)  # every image maps to the same vector
  err = representations.averaging_classifier_error(const(600), try_, const(300), tey)
  assert err > 0.8


def test_collapse_curve_has_one_entry_per_layer_and_starts_at_pixels(digits):
  trx, try_, tex, tey = digits
  model = models.build_model(model_cfg(num_layers=3, channels=4))
  params = models.init_params(model, jax.random.key(0), 28)
  curve = representations.collapse_curve(model, params, trx[:200], try_[:200], tex[:100], tey[:100])
  assert curve.shape == (4,)
  assert np.isclose(curve[0], representations.averaging_classifier_error(
      trx[:200].reshape(200, -1), try_[:200], tex[:100].reshape(100, -1), tey[:100]))


def test_top_singular_vector_recovers_a_rank_one_activation():
  rng = np.random.default_rng(0)
  a, b = rng.normal(size=(7, 7)), rng.normal(size=5)
  act = a[..., None] * b  # (7, 7, 5), rank one across channels
  v = layer_views.top_singular_image(act)
  assert abs(np.corrcoef(v.ravel(), a.ravel())[0, 1]) > 0.9999
  noisy = act + 0.01 * rng.normal(size=act.shape)
  assert abs(np.corrcoef(layer_views.top_singular_image(noisy).ravel(), a.ravel())[0, 1]) > 0.99


def test_most_correlated_channel_is_found():
  rng = np.random.default_rng(1)
  x = rng.normal(size=(6, 6))
  act = rng.normal(size=(6, 6, 4))
  act[..., 2] = 3 * x + 1
  idx, img = layer_views.most_correlated_channel(act, x)
  assert idx == 2 and np.allclose(img, 3 * x + 1)


def test_layer_views_shapes_and_fcn_refused():
  model = models.build_model(model_cfg(num_layers=3, channels=4))
  params = models.init_params(model, jax.random.key(0), 10)
  views = layer_views.layer_views(model, params, np.ones((10, 10), np.float32))
  assert len(views) == 3 and views[0]["top_sv"].shape == (10, 10)
  fcn = models.build_model(model_cfg(name="fcn"))
  with pytest.raises(ConfigError, match="ConvNet"):
    layer_views.layer_views(fcn, models.init_params(fcn, jax.random.key(0), 10), np.ones((10, 10)))


def test_relative_change_zero_for_unchanged_and_exact_for_scaled():
  p0 = {"params": {"layer_0": {"kernel": np.ones((3, 4, 4)), "bias": np.ones((3, 4))},
                   "layer_1": {"kernel": np.full((3, 4, 4), 2.0)}}}
  p1 = {"params": {"layer_0": {"kernel": 1.5 * p0["params"]["layer_0"]["kernel"],
                               "bias": p0["params"]["layer_0"]["bias"]},
                   "layer_1": {"kernel": p0["params"]["layer_1"]["kernel"] * [[[1]], [[1]], [[0]]]}}}
  ch = weights.relative_change(p0, p1)
  np.testing.assert_allclose(ch["layer_0"]["kernel"], 0.5)
  np.testing.assert_allclose(ch["layer_0"]["bias"], 0.0)
  np.testing.assert_allclose(ch["layer_1"]["kernel"], [0, 0, 1])
  assert weights.layer_order({"layer_10": 0, "layer_2": 0}) == ["layer_2", "layer_10"]


def _identity_convnet(num_layers, channels=3):
  """A ConvNet whose every layer passes its input through (delta kernels, zero biases)."""
  model = models.build_model(model_cfg(num_layers=num_layers, channels=channels, use_bias=False))
  params = models.init_params(model, jax.random.key(0), 8)
  def delta(kernel):
    k = np.zeros(kernel.shape, np.float32)
    c_in, c_out = kernel.shape[2:]
    k[2, 2, 0, :] = 1.0 if c_in == 1 else 0.0
    if c_in > 1:
      k[2, 2, :, :] = np.eye(c_in, c_out) if c_out > 1 else 1.0 / c_in
    return jnp.asarray(k)
  return model, jax.tree.map(delta, params)


def test_upper_subnetwork_of_a_pass_through_net_returns_the_pattern():
  model, params = _identity_convnet(4)
  x = np.abs(np.random.default_rng(0).normal(size=(2, 8, 8))).astype(np.float32)  # ReLU-safe
  np.testing.assert_allclose(model.apply(params, x), x, rtol=1e-5, atol=1e-6)
  for top in (1, 2, 4):
    np.testing.assert_allclose(probes.upper_subnetwork(model, params, x, top), x, rtol=1e-5,
                               atol=1e-6)
  with pytest.raises(ConfigError, match="top_layers"):
    probes.upper_subnetwork(model, params, x, 5)


def test_upper_subnetwork_skips_the_lower_layers():
  model = models.build_model(model_cfg(num_layers=3, channels=4))
  params = models.init_params(model, jax.random.key(1), 8)
  x = np.random.default_rng(1).normal(size=(1, 8, 8)).astype(np.float32)
  bottom_changed = jax.tree.map(lambda a: a, params)
  bottom_changed["params"]["layer_0"]["kernel"] = 7 * params["params"]["layer_0"]["kernel"]
  a = probes.upper_subnetwork(model, params, x, 2)
  b = probes.upper_subnetwork(model, bottom_changed, x, 2)
  np.testing.assert_array_equal(a, b)
  assert not np.allclose(model.apply(params, x), model.apply(bottom_changed, x))


def test_other_sizes_of_a_pass_through_net_reproduce_the_inputs():
  model, params = _identity_convnet(3)
  x = np.abs(np.random.default_rng(2).normal(size=(2, 28, 28))).astype(np.float32)
  out = probes.at_sizes(model, params, x, (7, 14, 56))
  for s, (xs, pred) in out.items():
    assert xs.shape == pred.shape == (2, s, s)
    np.testing.assert_allclose(pred, xs, rtol=1e-5, atol=1e-5)
  fcn = models.build_model(model_cfg(name="fcn"))
  with pytest.raises(ConfigError, match="ConvNet"):
    probes.at_sizes(fcn, None, x, (7,))


def test_upper_tops_are_the_figures_tops_and_the_upper_half():
  from identity_jax.analyses import run
  assert run.upper_tops(20) == [1, 2, 3, 6, 10]  # Fig 22: the 20-layer net's top 3, 6, 10
  assert run.upper_tops(24) == [1, 2, 3, 6, 10, 12]
  assert run.upper_tops(5) == [1, 2, 3]
  assert run.upper_tops(1) == [1]
