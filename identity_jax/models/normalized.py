"""Normalized plain ConvNets (beyond the paper): a ConvNet (convnet.py) with a normalization after
each hidden convolution, before its ReLU; the hidden convolutions have no bias (the normalization's
learned offset takes its place; a bias before it would get no gradient), the output one has
`use_bias`. `norm`: "group" (GroupNorm over `groups` channel groups)
or "layer" (LayerNorm over each layer's H x W x C). Both normalize within one image, so they act the
same in training and evaluation. BatchNorm is not offered: trained on one image its batch statistics
are that image's own (a per-channel instance norm), and the running statistics it evaluates with
would be those of that one image too, so it says nothing a batch would.
Normalization keeps the signal's spread at init from shrinking with depth (a plain net's shrinks
about x1/6 per layer, until a layer has every ReLU off: the dead deep nets of convnet_depth).
"""

import dataclasses

import flax.linen as nn

from identity_jax.errors import ConfigError, check_choice, check_positive
from identity_jax.models import common, registry

NORMS = ("group", "layer")


@dataclasses.dataclass(frozen=True)
class NormalizedConfig(common.LayerConfig):
  num_layers: int = 8
  channels: int = 16
  kernel_size: int = 5
  norm: str = "group"
  groups: int = 4          # GroupNorm's channel groups; must divide channels
  conv_impl: str = "auto"  # conv.IMPLS

  def __post_init__(self):
    super().__post_init__()
    common.check_conv_fields(self, "normalized")
    check_choice("model.normalized.norm", self.norm, NORMS)
    check_positive("model.normalized.groups", self.groups, integer=True)
    if self.norm == "group" and self.channels % self.groups:
      raise ConfigError(f"model.normalized.groups = {self.groups} does not divide channels = "
                        f"{self.channels}", "use a number of groups that divides the channels")

  @property
  def depth(self) -> int:
    return self.num_layers


class NormalizedConvNet(nn.Module):
  cfg: NormalizedConfig

  @nn.compact
  def __call__(self, x_bhw):
    c = self.cfg
    z = x_bhw[..., None]
    for i in range(c.num_layers):
      top = i == c.num_layers - 1
      bias = c.use_bias and top  # a bias before a normalization gets no gradient: its offset does it
      z = common.same_conv(c, 1 if top else c.channels, z.shape[-1], f"layer_{i}", bias)(z)
      if not top:
        if c.norm == "group":
          z = nn.GroupNorm(num_groups=c.groups, name=f"norm_{i}")(z)
        else:
          z = nn.LayerNorm(reduction_axes=(-3, -2, -1), name=f"norm_{i}")(z)
        z = nn.relu(z)
      self.sow("intermediates", f"output_{i}", z)
    return z[..., 0]


FAMILY = registry.register(registry.Family("normalized", NormalizedConfig, NormalizedConvNet,
                                           NormalizedConvNet, image_layers=True))
