"""Residual ConvNets (beyond the paper): a 1 -> C stem convolution, residual blocks z + relu(conv(z))
of 'same' convolutions, and a C -> 1 head. Depth counts convolutions, as a ConvNet's does, so a
residual net lines up with the plain one of the same `num_layers` (1: the head alone, 1 -> 1; 2: stem
and head; each further layer one residual block). The identity is representable at any depth (every
block's convolution at zero); whether training finds it is the question (the residual_depth study).
"""

import dataclasses
import functools

import flax.linen as nn

from identity_jax.errors import check_choice, check_count, check_positive
from identity_jax.models import common, conv, initializers, registry


@dataclasses.dataclass(frozen=True)
class ResidualConfig(common.LayerConfig):
  num_layers: int = 8
  channels: int = 16
  kernel_size: int = 5
  conv_impl: str = "auto"  # conv.IMPLS

  def __post_init__(self):
    super().__post_init__()
    check_count("model.residual.num_layers (convolutions)", self.num_layers, 1)
    check_positive("model.residual.channels", self.channels, integer=True)
    common.check_kernel_size("model.residual.kernel_size", self.kernel_size)
    check_choice("model.residual.conv_impl", self.conv_impl, conv.IMPLS)

  @property
  def depth(self) -> int:
    return self.num_layers


class ResidualConvNet(nn.Module):
  cfg: ResidualConfig

  @property
  def depth(self) -> int:
    return self.cfg.depth

  def _conv(self, features: int, fan_in_channels: int, i: int):
    c = self.cfg
    fan_in = c.kernel_size * c.kernel_size * fan_in_channels
    return nn.Conv(features, (c.kernel_size, c.kernel_size), padding="SAME", use_bias=c.use_bias,
                   kernel_init=initializers.weight_init(c.init),
                   bias_init=initializers.bias_init(c.bias_init, fan_in),
                   conv_general_dilated=functools.partial(conv.conv_general_dilated,
                                                          impl=c.conv_impl, use_bias=c.use_bias),
                   name=f"layer_{i}")

  @nn.compact
  def __call__(self, x_bhw):
    c = self.cfg
    z = x_bhw[..., None]
    last = c.num_layers - 1
    for i in range(c.num_layers):
      if i == last:  # the head: C -> 1 (1 -> 1 for a 1-layer net), no ReLU
        z = self._conv(1, z.shape[-1], i)(z)
      elif i == 0:  # the stem: 1 -> C
        z = nn.relu(self._conv(c.channels, 1, i)(z))
      else:  # a residual block
        z = z + nn.relu(self._conv(c.channels, c.channels, i)(z))
      self.sow("intermediates", f"output_{i}", z)
    return z[..., 0]


FAMILY = registry.register(registry.Family("residual", ResidualConfig, ResidualConvNet,
                                           ResidualConvNet, image_layers=True))
