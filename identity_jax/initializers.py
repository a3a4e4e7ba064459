"""Weight and bias initializers by name, with PyTorch's fan convention (fans count the receptive field).

A weight initializer is `init(key, shape, fan_in, fan_out) -> array`. Names (Appendix H, Fig 29):
  paper_default    N(0, 1/(fan_in * fan_out)), exactly as printed in the paper
  torch_default    U(+-1/sqrt(fan_in)): PyTorch's nn.Linear / nn.Conv2d default (kaiming_uniform, a=sqrt 5)
  xavier_normal    N(0, 2/(fan_in + fan_out))      (NOT truncated, unlike jax's glorot_normal)
  xavier_uniform   U(+-sqrt(6/(fan_in + fan_out)))
  kaiming_normal   N(0, 2/fan_in)                  (NOT truncated, unlike jax's he_normal)
  kaiming_uniform  U(+-sqrt(6/fan_in))
Bias initializers: zeros, or torch_default (U(+-1/sqrt(fan_in)), which needs the weight's fan_in and is
why layers here are written by hand rather than taken from flax.linen.Dense).
"""

import math

import jax
import jax.numpy as jnp

from identity_jax.errors import check_choice


def _normal(variance):
  def init(key, shape, fan_in, fan_out, dtype=jnp.float32):
    return math.sqrt(variance(fan_in, fan_out)) * jax.random.normal(key, shape, dtype)
  return init


def _uniform(bound):
  def init(key, shape, fan_in, fan_out, dtype=jnp.float32):
    b = bound(fan_in, fan_out)
    return jax.random.uniform(key, shape, dtype, -b, b)
  return init


WEIGHT_INITS = {
    "paper_default": _normal(lambda fi, fo: 1.0 / (fi * fo)),
    "torch_default": _uniform(lambda fi, fo: 1.0 / math.sqrt(fi)),
    "xavier_normal": _normal(lambda fi, fo: 2.0 / (fi + fo)),
    "xavier_uniform": _uniform(lambda fi, fo: math.sqrt(6.0 / (fi + fo))),
    "kaiming_normal": _normal(lambda fi, fo: 2.0 / fi),
    "kaiming_uniform": _uniform(lambda fi, fo: math.sqrt(6.0 / fi)),
}


def _zeros(key, shape, fan_in, fan_out, dtype=jnp.float32):
  del key, fan_in, fan_out
  return jnp.zeros(shape, dtype)


BIAS_INITS = {
    "zeros": _zeros,
    "torch_default": WEIGHT_INITS["torch_default"],
}


def weight_init(name: str):
  check_choice("model.init", name, WEIGHT_INITS)
  return WEIGHT_INITS[name]


def bias_init(name: str):
  check_choice("model.bias_init", name, BIAS_INITS)
  return BIAS_INITS[name]
