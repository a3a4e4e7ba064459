"""What the families share: biases and how weights and biases are initialized (every family), and
the 'same' convolution layer with its fields (the ConvNet families)."""

import dataclasses
import functools

import flax.linen as nn

from identity_jax.errors import ConfigError, check_choice, check_count, check_flag, check_positive
from identity_jax.models import conv, initializers


@dataclasses.dataclass(frozen=True)
class LayerConfig:
  use_bias: bool = True
  init: str = "torch_default"      # weights: one of initializers.WEIGHT_INITS
  bias_init: str = "torch_default"  # zeros | torch_default

  def __post_init__(self):
    initializers.weight_init(self.init)
    initializers.bias_init(self.bias_init, 1)
    check_flag("model.use_bias", self.use_bias)


def check_conv_fields(cfg, family: str, depth: str = "ConvNet depth") -> None:
  """The fields of a ConvNet family's config (num_layers, channels, kernel_size, conv_impl), each
  named in the family's section, model.<family>.<field>."""
  check_count(f"model.{family}.num_layers ({depth})", cfg.num_layers, 1)
  check_positive(f"model.{family}.channels", cfg.channels, integer=True)
  check_kernel_size(f"model.{family}.kernel_size", cfg.kernel_size)
  check_choice(f"model.{family}.conv_impl", cfg.conv_impl, conv.IMPLS)


def check_kernel_size(field: str, k) -> None:
  """An odd kernel size >= 1, so that 'same' padding keeps an image's geometry."""
  if isinstance(k, bool) or not isinstance(k, int) or k < 1 or k % 2 == 0:
    raise ConfigError(f"{field} = {k!r} is not an odd integer >= 1",
                      "use an odd kernel size (1, 3, 5, ...) so 'same' padding keeps the geometry")


def same_conv(cfg, features: int, in_channels: int, name: str, use_bias: bool) -> nn.Conv:
  """A stride-1 'same' convolution of cfg.kernel_size, its weights and bias initialized by cfg.init
  and cfg.bias_init (the bias's fan in: the kernel's), computed in the form cfg.conv_impl picks."""
  k = cfg.kernel_size
  return nn.Conv(features, (k, k), padding="SAME", use_bias=use_bias,
                 kernel_init=initializers.weight_init(cfg.init),
                 bias_init=initializers.bias_init(cfg.bias_init, k * k * in_channels),
                 conv_general_dilated=functools.partial(conv.conv_general_dilated,
                                                        impl=cfg.conv_impl, use_bias=use_bias),
                 name=name)
