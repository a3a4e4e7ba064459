"""The paper's networks as flax.linen modules mapping images (B, H, W) to images (B, H, W).

Parameters live under 'layer_0' (bottom) ... 'layer_{L-1}' (top), each with 'kernel' and optionally
'bias'. Every layer's output (after its ReLU, if any) is sown into the 'intermediates' collection as
'output_i', so analyses get it with `model.apply(params, x, mutable=['intermediates'])`.
"""

import flax.linen as nn
import jax
import jax.numpy as jnp

from identity_jax import conv, initializers
from identity_jax.errors import ConfigError, check_choice, check_positive

MODELS = ("fcn", "convnet")
ACTIVATIONS = ("relu", "linear")


class Dense(nn.Module):
  features: int
  use_bias: bool
  weight_init: str
  bias_init: str

  @nn.compact
  def __call__(self, x):
    fan_in = x.shape[-1]
    w_init = initializers.weight_init(self.weight_init)
    kernel = self.param("kernel", lambda k, s: w_init(k, s, fan_in, self.features),
                        (fan_in, self.features))
    y = x @ kernel
    if self.use_bias:
      b_init = initializers.bias_init(self.bias_init)
      y = y + self.param("bias", lambda k, s: b_init(k, s, fan_in, self.features), (self.features,))
    return y


class Conv(nn.Module):
  features: int
  kernel_size: int
  use_bias: bool
  weight_init: str
  bias_init: str
  impl: str = "auto"

  @nn.compact
  def __call__(self, x):  # x: (B, H, W, C_in)
    k, c_in = self.kernel_size, x.shape[-1]
    fan_in, fan_out = k * k * c_in, k * k * self.features
    w_init = initializers.weight_init(self.weight_init)
    kernel = self.param("kernel", lambda key, s: w_init(key, s, fan_in, fan_out),
                        (k, k, c_in, self.features))
    impl = conv.resolve_impl(self.impl, k, c_in, x.shape[1], x.shape[2])
    y = conv.conv2d_same(x, kernel, impl)
    if self.use_bias:
      b_init = initializers.bias_init(self.bias_init)
      y = y + self.param("bias", lambda key, s: b_init(key, s, fan_in, fan_out), (self.features,))
    return y


class FCN(nn.Module):
  """hidden_layers = 0 is the 1-layer linear net f(x) = W x (+ b) of Section 2."""
  hidden_layers: int
  width: int
  activation: str = "relu"
  use_bias: bool = True
  weight_init: str = "torch_default"
  bias_init: str = "torch_default"

  @nn.compact
  def __call__(self, x_bhw):
    b, h, w = x_bhw.shape
    z = x_bhw.reshape(b, h * w)
    widths = [self.width] * self.hidden_layers + [h * w]
    for i, features in enumerate(widths):
      z = Dense(features, self.use_bias, self.weight_init, self.bias_init, name=f"layer_{i}")(z)
      if i < self.hidden_layers and self.activation == "relu":
        z = nn.relu(z)
      self.sow("intermediates", f"output_{i}", z)
    return z.reshape(b, h, w)


class ConvNet(nn.Module):
  """num_layers convolutions 1 -> C -> ... -> C -> 1 channel, ReLU between them, geometry preserved."""
  num_layers: int
  channels: int = 128
  kernel_size: int = 5
  use_bias: bool = True
  weight_init: str = "torch_default"
  bias_init: str = "torch_default"
  conv_impl: str = "auto"

  @nn.compact
  def __call__(self, x_bhw, start_layer: int = 0):
    """start_layer > 0 feeds x straight into that layer, repeated across its input channels
    (the upper subnetworks of Appendix H.2); the layers below are skipped."""
    z = x_bhw[..., None]
    if start_layer > 0:
      z = jnp.repeat(z, self.channels, axis=-1)
    for i in range(start_layer, self.num_layers):
      top = i == self.num_layers - 1
      z = Conv(1 if top else self.channels, self.kernel_size, self.use_bias, self.weight_init,
               self.bias_init, self.conv_impl, name=f"layer_{i}")(z)
      if not top:
        z = nn.relu(z)
      self.sow("intermediates", f"output_{i}", z)
    return z[..., 0]


def _check_int(field, value, minimum):
  if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
    raise ConfigError(f"{field} = {value!r} is not an integer >= {minimum}",
                      f"set {field} to an integer >= {minimum}")


def build_model(cfg) -> nn.Module:
  """The module described by a `model` config section; raises ConfigError on any bad field."""
  check_choice("model.name", cfg.name, MODELS)
  initializers.weight_init(cfg.init)
  initializers.bias_init(cfg.bias_init)
  if cfg.name == "fcn":
    _check_int("model.hidden_layers", cfg.hidden_layers, 0)
    check_positive("model.width", cfg.width, integer=True)
    check_choice("model.activation", cfg.activation, ACTIVATIONS)
    return FCN(cfg.hidden_layers, cfg.width, cfg.activation, cfg.use_bias, cfg.init, cfg.bias_init)
  _check_int("model.num_layers (ConvNet depth)", cfg.num_layers, 1)
  check_positive("model.channels", cfg.channels, integer=True)
  k = cfg.kernel_size
  if isinstance(k, bool) or not isinstance(k, int) or k < 1 or k % 2 == 0:
    raise ConfigError(f"model.kernel_size = {k!r} is not an odd integer >= 1",
                      "use an odd kernel size (1, 3, 5, ...) so 'same' padding keeps the geometry")
  check_choice("model.conv_impl", cfg.conv_impl, conv.IMPLS)
  return ConvNet(cfg.num_layers, cfg.channels, k, cfg.use_bias, cfg.init, cfg.bias_init,
                 cfg.conv_impl)


def num_layers(params) -> int:
  return len([name for name in params["params"] if name.startswith("layer_")])


def init_params(model: nn.Module, key: jax.Array, image_size: int):
  return model.init(key, jnp.zeros((1, image_size, image_size), jnp.float32))
