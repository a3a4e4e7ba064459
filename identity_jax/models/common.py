"""The fields every family shares: biases and how weights and biases are initialized."""

import dataclasses

from identity_jax.errors import check_flag
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
