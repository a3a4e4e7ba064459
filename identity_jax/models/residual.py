"""Residual ConvNets (beyond the paper): a 1 -> C stem convolution, residual blocks z + relu(conv(z))
of 'same' convolutions, and a C -> 1 head. Depth counts convolutions, as a ConvNet's does, so a
residual net lines up with the plain one of the same `num_layers` (1: the head alone, 1 -> 1; 2: stem
and head; each further layer one residual block). The identity is representable at any depth (every
block's convolution at zero); whether training finds it is the question (the residual_depth study).
"""

import dataclasses

import flax.linen as nn

from identity_jax.models import common, registry


@dataclasses.dataclass(frozen=True)
class ResidualConfig(common.LayerConfig):
  num_layers: int = 8
  channels: int = 16
  kernel_size: int = 5
  conv_impl: str = "auto"  # conv.IMPLS

  def __post_init__(self):
    super().__post_init__()
    common.check_conv_fields(self, "residual", depth="convolutions")

  @property
  def depth(self) -> int:
    return self.num_layers


class ResidualConvNet(nn.Module):
  cfg: ResidualConfig

  @nn.compact
  def __call__(self, x_bhw):
    c = self.cfg
    z = x_bhw[..., None]
    last = c.num_layers - 1
    for i in range(c.num_layers):
      if i == last:  # the head: C -> 1 (1 -> 1 for a 1-layer net), no ReLU
        z = common.same_conv(c, 1, z.shape[-1], f"layer_{i}", c.use_bias)(z)
      elif i == 0:  # the stem: 1 -> C
        z = nn.relu(common.same_conv(c, c.channels, 1, f"layer_{i}", c.use_bias)(z))
      else:  # a residual block
        z = z + nn.relu(common.same_conv(c, c.channels, c.channels, f"layer_{i}",
                                                c.use_bias)(z))
      self.sow("intermediates", f"output_{i}", z)
    return z[..., 0]


FAMILY = registry.register(registry.Family("residual", ResidualConfig, ResidualConvNet,
                                           ResidualConvNet, image_layers=True))
