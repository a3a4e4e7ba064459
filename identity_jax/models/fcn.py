"""Fully connected nets (Sections 2-3): hidden_layers ReLU (or linear) layers of `width`, then a
layer back to H*W pixels. hidden_layers = 0 is the 1-layer linear net f(x) = W x (+ b)."""

import dataclasses

import flax.linen as nn

from identity_jax.errors import check_choice, check_count, check_positive
from identity_jax.models import common, initializers, registry

ACTIVATIONS = ("relu", "linear")


@dataclasses.dataclass(frozen=True)
class FCNConfig(common.LayerConfig):
  hidden_layers: int = 3
  width: int = 2048
  activation: str = "relu"

  def __post_init__(self):
    super().__post_init__()
    check_count("model.fcn.hidden_layers", self.hidden_layers, 0)
    check_positive("model.fcn.width", self.width, integer=True)
    check_choice("model.fcn.activation", self.activation, ACTIVATIONS)

  @property
  def depth(self) -> int:
    return self.hidden_layers + 1


class FCN(nn.Module):
  cfg: FCNConfig

  @nn.compact
  def __call__(self, x_bhw):
    b, h, w = x_bhw.shape
    z = x_bhw.reshape(b, h * w)
    widths = [self.cfg.width] * self.cfg.hidden_layers + [h * w]
    for i, features in enumerate(widths):
      z = nn.Dense(features, use_bias=self.cfg.use_bias,
                   kernel_init=initializers.weight_init(self.cfg.init),
                   bias_init=initializers.bias_init(self.cfg.bias_init, z.shape[-1]),
                   name=f"layer_{i}")(z)
      if i < self.cfg.hidden_layers and self.cfg.activation == "relu":
        z = nn.relu(z)
      self.sow("intermediates", f"output_{i}", z)
    return z.reshape(b, h, w)


FAMILY = registry.register(registry.Family("fcn", FCNConfig, FCN, FCN))
