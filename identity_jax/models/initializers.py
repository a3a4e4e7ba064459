"""Weight and bias initializers by name, with jax.nn.initializers' signature (key, shape, dtype), so
plain flax layers (nn.Dense, nn.Conv) take them.

Fans follow PyTorch and jax alike: a (..., fan_in_last, out) kernel has fan_in = prod(shape[:-1]) and
fan_out = prod(shape[:-2]) * shape[-1] (the receptive field counts). Names (Appendix H, Fig 29):
  paper_default    N(0, 1/(fan_in * fan_out)), exactly as printed in the paper (no jax equivalent)
  torch_default    U(+-1/sqrt(fan_in)): PyTorch's nn.Linear / nn.Conv2d default (kaiming_uniform, a=sqrt 5)
  xavier_normal    N(0, 2/(fan_in + fan_out))      (NOT truncated, unlike jax's glorot_normal)
  xavier_uniform   U(+-sqrt(6/(fan_in + fan_out)))
  kaiming_normal   N(0, 2/fan_in)                  (NOT truncated, unlike jax's he_normal)
  kaiming_uniform  U(+-sqrt(6/fan_in))
Bias initializers: zeros, or torch_default, U(+-1/sqrt(fan_in)) with the fan_in of the layer's
weight, which a bias shape does not carry: `bias_init(name, fan_in)`.
"""

import math

import jax
import jax.numpy as jnp
from jax.nn.initializers import zeros

from identity_jax.errors import check_choice


def _fans(shape) -> tuple[int, int]:
  return math.prod(shape[:-1]), math.prod(shape[:-2]) * shape[-1]


def _normal(variance):
  def init(key, shape, dtype=jnp.float32):
    return math.sqrt(variance(*_fans(shape))) * jax.random.normal(key, shape, dtype)
  return init


def _uniform(bound):
  def init(key, shape, dtype=jnp.float32):
    b = bound(*_fans(shape))
    return jax.random.uniform(key, shape, dtype, -b, b)
  return init


# Five of these are jax.nn.initializers.variance_scaling(scale, mode, "normal" | "uniform") (e.g.
# torch_default = variance_scaling(1/3, "fan_in", "uniform"); tests/test_models.py checks each pair
# agrees to float rounding). They are written out because variance_scaling rounds the bound
# differently (1 ulp), which would change every stored result by rounding.
WEIGHT_INITS = {
    "paper_default": _normal(lambda fi, fo: 1.0 / (fi * fo)),
    "torch_default": _uniform(lambda fi, fo: 1.0 / math.sqrt(fi)),
    "xavier_normal": _normal(lambda fi, fo: 2.0 / (fi + fo)),
    "xavier_uniform": _uniform(lambda fi, fo: math.sqrt(6.0 / (fi + fo))),
    "kaiming_normal": _normal(lambda fi, fo: 2.0 / fi),
    "kaiming_uniform": _uniform(lambda fi, fo: math.sqrt(6.0 / fi)),
}
BIAS_INITS = ("zeros", "torch_default")


def weight_init(name: str):
  check_choice("model.init", name, WEIGHT_INITS)
  return WEIGHT_INITS[name]


def bias_init(name: str, fan_in: int):
  check_choice("model.bias_init", name, BIAS_INITS)
  if name == "zeros":
    return zeros
  bound = 1.0 / math.sqrt(fan_in)
  return lambda key, shape, dtype=jnp.float32: jax.random.uniform(key, shape, dtype, -bound, bound)
