"""ConvNets (Section 4): num_layers 'same' convolutions 1 -> C -> ... -> C -> 1 channel, stride 1,
ReLU between them, so the output has the input's geometry at any input size."""

import dataclasses
import functools

import flax.linen as nn
import jax.numpy as jnp

from identity_jax.errors import check_choice, check_count, check_positive
from identity_jax.models import common, conv, initializers, registry


@dataclasses.dataclass(frozen=True)
class ConvNetConfig(common.LayerConfig):
  num_layers: int = 5
  channels: int = 128
  kernel_size: int = 5
  conv_impl: str = "auto"  # conv.IMPLS: auto | nhwc | rows | matmul | flipped | xla

  def __post_init__(self):
    super().__post_init__()
    check_count("model.convnet.num_layers (ConvNet depth)", self.num_layers, 1)
    check_positive("model.convnet.channels", self.channels, integer=True)
    common.check_kernel_size("model.convnet.kernel_size", self.kernel_size)
    check_choice("model.convnet.conv_impl", self.conv_impl, conv.IMPLS)

  @property
  def depth(self) -> int:
    return self.num_layers


class ConvNet(nn.Module):
  cfg: ConvNetConfig

  @property
  def depth(self) -> int:
    return self.cfg.depth

  @nn.compact
  def __call__(self, x_bhw, start_layer: int = 0):
    """start_layer > 0 feeds x straight into that layer, repeated across its input channels
    (the upper subnetworks of Appendix H.2); the layers below are skipped."""
    c = self.cfg
    z = x_bhw[..., None]
    if start_layer > 0:
      z = jnp.repeat(z, c.channels, axis=-1)
    for i in range(start_layer, c.num_layers):
      top = i == c.num_layers - 1
      fan_in = c.kernel_size * c.kernel_size * z.shape[-1]
      z = nn.Conv(1 if top else c.channels, (c.kernel_size, c.kernel_size), padding="SAME",
                  use_bias=c.use_bias, kernel_init=initializers.weight_init(c.init),
                  bias_init=initializers.bias_init(c.bias_init, fan_in),
                  conv_general_dilated=functools.partial(conv.conv_general_dilated,
                                                         impl=c.conv_impl, use_bias=c.use_bias),
                  name=f"layer_{i}")(z)
      if not top:
        z = nn.relu(z)
      self.sow("intermediates", f"output_{i}", z)
    return z[..., 0]


FAMILY = registry.register(registry.Family("convnet", ConvNetConfig, ConvNet, ConvNet,
                                           image_layers=True))
