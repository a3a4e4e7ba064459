"""ConvNets (Section 4): num_layers 'same' convolutions 1 -> C -> ... -> C -> 1 channel, stride 1,
ReLU between them, so the output has the input's geometry at any input size."""

import dataclasses

import flax.linen as nn
import jax.numpy as jnp

from identity_jax.models import common, registry


@dataclasses.dataclass(frozen=True)
class ConvNetConfig(common.LayerConfig):
  num_layers: int = 5
  channels: int = 128
  kernel_size: int = 5
  conv_impl: str = "auto"  # conv.IMPLS: auto | nhwc | rows | matmul | flipped | xla

  def __post_init__(self):
    super().__post_init__()
    common.check_conv_fields(self, "convnet")

  @property
  def depth(self) -> int:
    return self.num_layers


class ConvNet(nn.Module):
  cfg: ConvNetConfig

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
      z = common.same_conv(c, 1 if top else c.channels, z.shape[-1], f"layer_{i}", c.use_bias)(z)
      if not top:
        z = nn.relu(z)
      self.sow("intermediates", f"output_{i}", z)
    return z[..., 0]


FAMILY = registry.register(registry.Family("convnet", ConvNetConfig, ConvNet, ConvNet,
                                           image_layers=True))
