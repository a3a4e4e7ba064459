"""The paper's networks: model families mapping images (B, H, W) to images (B, H, W).

  registry.py  families by name, and the flat model config section they share
  fcn.py       fully connected nets (Section 2-3): model.name = "fcn"
  convnet.py   5x5 'same' ConvNets (Section 4): model.name = "convnet"

Parameters live under 'layer_0' (bottom) ... 'layer_{L-1}' (top), each with 'kernel' and optionally
'bias'. Every layer's output (after its ReLU, if any) is sown into the 'intermediates' collection as
'output_i', so analyses get it with `model.apply(params, x, mutable=['intermediates'])`.
"""

import flax.linen as nn
import jax
import jax.numpy as jnp

from identity_jax.models import convnet, fcn, normalized, residual  # noqa: F401 (each registers its family)
from identity_jax.models.registry import Family, family_of, get, names, parse, register

__all__ = ["Family", "build_model", "family_of", "get", "init_params", "names", "parse",
           "register"]


def build_model(section) -> nn.Module:
  """The module a `model` config section describes; raises ConfigError on any bad field."""
  family, cfg = parse(section)
  return family.build(cfg)


def num_layers(params) -> int:
  return len([name for name in params["params"] if name.startswith("layer_")])


def init_params(model: nn.Module, key: jax.Array, image_size: int):
  return model.init(key, jnp.zeros((1, image_size, image_size), jnp.float32))
