"""The fields every family shares: biases and how weights and biases are initialized."""

import dataclasses

from identity_jax.errors import ConfigError, check_flag
from identity_jax.models import initializers


@dataclasses.dataclass(frozen=True)
class LayerConfig:
  use_bias: bool = True
  init: str = "torch_default"      # weights: one of initializers.WEIGHT_INITS
  bias_init: str = "torch_default"  # zeros | torch_default

  def __post_init__(self):
    initializers.weight_init(self.init)
    initializers.bias_init(self.bias_init, 1)
    check_flag("model.use_bias", self.use_bias)


def check_kernel_size(field: str, k) -> None:
  """An odd kernel size >= 1, so that 'same' padding keeps an image's geometry."""
  if isinstance(k, bool) or not isinstance(k, int) or k < 1 or k % 2 == 0:
    raise ConfigError(f"{field} = {k!r} is not an odd integer >= 1",
                      "use an odd kernel size (1, 3, 5, ...) so 'same' padding keeps the geometry")
