import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import pytest
from helpers import model_cfg

from identity_jax import models
from identity_jax.errors import ConfigError
from identity_jax.models import conv, initializers


def test_convnet_any_input_size_and_every_layer_reachable():
  model = models.build_model(model_cfg(num_layers=4))
  params = models.init_params(model, jax.random.key(0), 28)
  assert models.num_layers(params) == 4
  for size in (7, 28, 45):
    y, state = model.apply(params, jnp.ones((2, size, size)), mutable=["intermediates"])
    assert y.shape == (2, size, size)
    inter = state["intermediates"]
    assert [inter[f"output_{i}"][0].shape[-1] for i in range(4)] == [4, 4, 4, 1]
    assert all(inter[f"output_{i}"][0].min() >= 0 for i in range(3))  # ReLU between layers


def test_convnet_impls_give_the_same_function():
  p = models.init_params(models.build_model(model_cfg()), jax.random.key(3), 12)
  x = jax.random.normal(jax.random.key(4), (2, 12, 12))
  ys = [models.build_model(model_cfg(conv_impl=i)).apply(p, x) for i in conv.IMPLS]
  for y in ys[1:]:
    np.testing.assert_allclose(y, ys[0], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("hidden, activation", [(0, "linear"), (1, "relu"), (3, "linear")])
def test_fcn_shapes_and_linearity(hidden, activation):
  model = models.build_model(model_cfg(name="fcn", hidden_layers=hidden, activation=activation,
                                       use_bias=False))
  params = models.init_params(model, jax.random.key(0), 6)
  assert models.num_layers(params) == hidden + 1
  x = jax.random.normal(jax.random.key(1), (3, 6, 6))
  y = model.apply(params, x)
  assert y.shape == (3, 6, 6)
  linear = np.allclose(model.apply(params, -2.0 * x), -2.0 * y, rtol=1e-4, atol=1e-5)
  assert linear == (activation == "linear")


def test_no_bias_means_no_bias_params():
  params = models.init_params(models.build_model(model_cfg(use_bias=False)), jax.random.key(0), 8)
  assert all(set(p) == {"kernel"} for p in params["params"].values())


FANS = (300, 200)


@pytest.mark.parametrize("name, variance, uniform", [
    ("paper_default", 1 / (FANS[0] * FANS[1]), False),
    ("torch_default", 1 / (3 * FANS[0]), True),
    ("xavier_normal", 2 / sum(FANS), False),
    ("xavier_uniform", 2 / sum(FANS), True),
    ("kaiming_normal", 2 / FANS[0], False),
    ("kaiming_uniform", 2 / FANS[0], True),
])
def test_initializer_variances_and_shapes(name, variance, uniform):
  w = np.asarray(initializers.weight_init(name)(jax.random.key(0), FANS))
  assert abs(w.var() / variance - 1) < 0.02
  sigma = np.sqrt(variance)
  if uniform:  # bounded at sqrt(3) sigma, and flat
    assert np.abs(w).max() <= np.sqrt(3) * sigma * (1 + 1e-6)
    assert abs(np.mean(np.abs(w) < np.sqrt(3) * sigma / 2) - 0.5) < 0.01
  else:  # normal, NOT truncated: ~0.27% of a Gaussian lies beyond 3 sigma
    assert 0.0015 < np.mean(np.abs(w) > 3 * sigma) < 0.004


def test_conv_fans_follow_pytorch():
  """torch_default on a 5x5 conv from 8 to 8 channels: bound 1/sqrt(5*5*8) for kernel and bias."""
  model = models.build_model(model_cfg(num_layers=3, channels=8))
  p = models.init_params(model, jax.random.key(0), 16)["params"]["layer_1"]
  bound = 1 / np.sqrt(5 * 5 * 8)
  assert 0.99 * bound < np.abs(p["kernel"]).max() <= bound  # 1,600 draws reach the bound
  assert np.abs(p["bias"]).max() <= bound


def test_paper_default_init_is_tiny_in_deep_nets():
  """Why it is not our default: N(0, 1/(fan_in fan_out)) shrinks signals ~1/fan_out per layer."""
  x = jax.random.normal(jax.random.key(1), (1, 14, 14))
  out = {}
  for init in ("paper_default", "torch_default"):
    model = models.build_model(model_cfg(num_layers=8, channels=16, init=init, bias_init="zeros"))
    out[init] = float(jnp.abs(model.apply(models.init_params(model, jax.random.key(0), 14), x)).max())
  # each layer scales the signal by ~sqrt(fan_in) / sqrt(fan_in * fan_out) = 1/20 here: 20^-8
  assert out["paper_default"] < 1e-9 < 1e-3 < out["torch_default"]


@pytest.mark.parametrize("overrides, message", [
    (dict(name="resnet"), "unknown model.name 'resnet'"),
    (dict(init="glorot"), "unknown model.init 'glorot'"),
    (dict(bias_init="ones"), "unknown model.bias_init"),
    (dict(num_layers=0), "ConvNet depth"),
    (dict(kernel_size=4), "odd"),
    (dict(kernel_size=0), "odd"),
    (dict(channels=0), "model.convnet.channels"),
    (dict(conv_impl="cudnn"), "model.convnet.conv_impl"),
    (dict(name="fcn", hidden_layers=-1), "model.fcn.hidden_layers"),
    (dict(name="fcn", width=0), "model.fcn.width"),
    (dict(name="fcn", activation="tanh"), "model.fcn.activation"),
])
def test_bad_model_configs_are_named(overrides, message):
  with pytest.raises(ConfigError, match=message) as e:
    models.build_model(model_cfg(**overrides))
  assert "fix:" in str(e.value)


# The jax initializer each of ours equals (paper_default has none: it is ours alone).
JAX_EQUIVALENTS = {
    "paper_default": None,
    "torch_default": jax.nn.initializers.variance_scaling(1 / 3, "fan_in", "uniform"),
    "xavier_normal": jax.nn.initializers.variance_scaling(1.0, "fan_avg", "normal"),
    "xavier_uniform": jax.nn.initializers.variance_scaling(1.0, "fan_avg", "uniform"),
    "kaiming_normal": jax.nn.initializers.variance_scaling(2.0, "fan_in", "normal"),
    "kaiming_uniform": jax.nn.initializers.variance_scaling(2.0, "fan_in", "uniform"),
}



@pytest.mark.parametrize("name", sorted(initializers.WEIGHT_INITS))
@pytest.mark.parametrize("shape", [(300, 200), (5, 5, 8, 16)])
def test_initializers_are_jaxs_variance_scaling_up_to_rounding(name, shape):
  """The five with a jax equivalent draw the same numbers from the same key, to float rounding."""
  ours = np.asarray(initializers.weight_init(name)(jax.random.key(2), shape))
  theirs = JAX_EQUIVALENTS[name]
  if theirs is None:  # paper_default: N(0, 1/(fan_in fan_out)) with the fans of the shape
    fan_in, fan_out = np.prod(shape[:-1]), np.prod(shape[:-2]) * shape[-1]
    np.testing.assert_allclose(ours, np.asarray(jax.random.normal(jax.random.key(2), shape))
                               / np.sqrt(fan_in * fan_out), rtol=1e-6)
    return
  np.testing.assert_allclose(ours, np.asarray(theirs(jax.random.key(2), shape)), rtol=1e-5,
                             atol=1e-7)


def test_a_cell_may_not_set_another_familys_field():
  with pytest.raises(ConfigError, match="model.width is not a field of model.name 'convnet'"):
    models.build_model(model_cfg(width=16))
  with pytest.raises(ConfigError, match="model.depth is not a field"):
    models.build_model(model_cfg(depth=3))


def test_a_new_family_registers_in_a_few_lines(tmp_path):
  """Adding a model family: its config dataclass, its module, register. The config, training,
  evaluation, summaries and figures then take it by name, with nothing else changed."""
  import dataclasses

  import flax.linen as nn

  from identity_jax.models import registry
  from identity_jax.runs import experiment
  from identity_jax.study import config

  @dataclasses.dataclass(frozen=True)
  class ScaleConfig:  # f(x) = a * x, a learned scalar: it can only be the identity up to scale
    start: float = 0.5
    depth = 1

  class Scale(nn.Module):
    cfg: ScaleConfig
    depth = 1

    @nn.compact
    def __call__(self, x):
      a = self.param("kernel", lambda k: jnp.asarray(self.cfg.start))
      self.sow("intermediates", "output_0", a * x)
      return a * x

  registry.register(registry.Family("scale", ScaleConfig, Scale, Scale))
  try:
    c = config.tiny(config.base_config())
    c.model.name, c.optim.schedule = "scale", "constant"
    c.cells = ml_collections.ConfigDict({"s": {"model": {"scale": {"start": 0.1}}}})
    summary = experiment.run(c, tmp_path / "w", log=lambda _: None)
  finally:
    registry.unregister("scale")
  assert summary["cells"]["s"]["status_counts"]["fitted"] == 2
  assert summary["cells"]["s"]["verdict"] == "identity"  # a = 1 is the only fit
  assert "scale" not in models.names()


def test_a_workdir_made_before_a_new_family_resumes_after(tmp_path):
  """A family registered later adds its own config section; every existing cell's record (its own
  family's fields) and so its fingerprint stay the same: the rerun skips the finished cell. A record
  in the form before families had sections (every family's fields in one flat model section)
  resumes too."""
  import dataclasses
  import json

  import flax.linen as nn

  from identity_jax.models import registry
  from identity_jax.runs import experiment
  from identity_jax.study import config

  def small():
    c = config.tiny(config.base_config())
    c.train.num_steps = 10
    c.cells = ml_collections.ConfigDict({"lin": {"model": config.model("fcn", hidden_layers=0)}})
    return c

  root = tmp_path / "w"
  experiment.run(small(), root, log=lambda _: None)
  before = json.loads((root / "experiment.json").read_text())["cells"]["lin"]

  @dataclasses.dataclass(frozen=True)
  class NewConfig:  # fields no existing family has, and one (width) that FCNs default otherwise
    width: int = 7
    gates: int = 3
    depth = 1

  class New(nn.Module):
    cfg: NewConfig

  registry.register(registry.Family("new", NewConfig, lambda cfg: New(cfg), New))
  try:
    grown = small()
    assert grown.model.new.to_dict() == dict(width=7, gates=3)
    lines = []
    experiment.run(grown, root, log=lines.append)
  finally:
    registry.unregister("new")
  assert "skipping finished cells: lin" in lines
  assert json.loads((root / "experiment.json").read_text())["cells"]["lin"] == before

  # The record as an identity_jax before family sections wrote it: every family's fields, flat.
  marker = json.loads((root / "experiment.json").read_text())
  flat = marker["cells"]["lin"]["config"]["model"]
  flat.update({k: v for k, v in registry.defaults("convnet").items() if k not in flat})
  (root / "experiment.json").write_text(json.dumps(marker))
  lines = []
  experiment.run(small(), root, log=lines.append)
  assert "skipping finished cells: lin" in lines


def test_a_residual_net_can_be_the_identity_at_any_depth():
  """Stem: channel 0 copies the input (centre tap 1); every block's convolution zero, so z + relu(0)
  = z; head: channel 0's centre tap 1. The net then computes relu(x) = x on nonnegative inputs."""
  model = models.build_model(model_cfg(name="residual", num_layers=6, channels=3))
  params = models.init_params(model, jax.random.key(0), 9)
  centre = lambda k, i, o: k.at[:].set(0.0).at[k.shape[0] // 2, k.shape[1] // 2, i, o].set(1.0)
  p = jax.tree.map(jnp.zeros_like, params)
  p["params"]["layer_0"]["kernel"] = centre(params["params"]["layer_0"]["kernel"], 0, 0)
  p["params"]["layer_5"]["kernel"] = centre(params["params"]["layer_5"]["kernel"], 0, 0)
  x = jnp.abs(jax.random.normal(jax.random.key(1), (2, 9, 9)))
  np.testing.assert_allclose(model.apply(p, x), x, atol=1e-6)
  assert sorted(params["params"]) == [f"layer_{i}" for i in range(6)]
  one = models.build_model(model_cfg(name="residual", num_layers=1))  # the head alone, 1 -> 1
  assert models.init_params(one, jax.random.key(0), 9)["params"]["layer_0"]["kernel"].shape == \
      (5, 5, 1, 1)


def test_normalized_nets_keep_the_signal_alive_where_plain_ones_shrink_it():
  x = jax.random.normal(jax.random.key(1), (4, 14, 14))
  def last_hidden_spread(name):
    model = models.build_model(model_cfg(name=name, num_layers=12, channels=8))
    params = models.init_params(model, jax.random.key(0), 14)
    _, state = model.apply(params, x, mutable=["intermediates"])
    h = np.asarray(state["intermediates"]["output_10"][0])
    return float(h.std(axis=0).mean())  # how much the layer's output varies across inputs
  plain, normalized = last_hidden_spread("convnet"), last_hidden_spread("normalized")
  assert normalized > 0.1 and plain < 1e-3 * normalized, (plain, normalized)
  params = models.init_params(models.build_model(model_cfg(name="normalized")), jax.random.key(0), 8)
  assert "bias" not in params["params"]["layer_0"] and "bias" in params["params"]["layer_2"]
  with pytest.raises(ConfigError, match="groups = 3 does not divide channels = 4"):
    models.build_model(model_cfg(name="normalized", groups=3))
  with pytest.raises(ConfigError, match="model.normalized.norm 'batch'"):
    models.build_model(model_cfg(name="normalized", norm="batch"))
