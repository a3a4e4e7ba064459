"""Stride-1 'same' 2-D convolution in three equivalent forms; which one is fast depends on the backend.

'rows': for each of the k kernel rows, the k shifted slices of that row are concatenated along
  channels and multiplied by that row of the kernel, (k*C_in, C_out): k matmuls, summed. Its patch
  buffers are k times smaller than 'matmul's; on the 2-core CPU it trains 32-channel ConvNets ~1.3x
  faster than 'matmul' and 128-channel ones as fast (benchmarks/RESULTS.md, "Convolution forms").
'matmul': the k*k shifted slices of the zero-padded input are concatenated along channels and multiplied
  by the kernel reshaped to (k*k*C_in, C_out) in ONE matmul. On XLA:CPU this runs ~15x faster than
  lax.conv_general_dilated, stays fast inside lax.scan / fori_loop, and under vmap over seeds becomes a
  batched matmul instead of a grouped convolution (benchmarks/RESULTS.md).
'xla': jax.lax.conv_general_dilated (cuDNN on GPU).
Both are cross-correlations with the same HWIO kernel layout, so parameters are interchangeable.
`conv_general_dilated` plugs either into flax's nn.Conv (its conv_general_dilated hook).
"""

import jax
import jax.numpy as jnp

from identity_jax.errors import check_choice

IMPLS = ("auto", "rows", "matmul", "xla")
# Beyond this many patch elements per image the matmul form's (H, W, k*k*C_in) buffer is too large.
_MATMUL_MAX_PATCH_ELEMENTS = 2**26
_NHWC_HWIO = jax.lax.conv_dimension_numbers((1, 1, 1, 1), (1, 1, 1, 1), ("NHWC", "HWIO", "NHWC"))


def resolve_impl(impl: str, kernel_size: int, in_channels: int, height: int, width: int) -> str:
  """'auto' -> 'rows' on CPU unless the patch buffer is huge, else 'xla' (the measurements behind it:
  benchmarks/RESULTS.md, "Convolution forms")."""
  check_choice("model.conv_impl", impl, IMPLS)
  if impl != "auto":
    return impl
  patch = height * width * kernel_size * kernel_size * in_channels
  cpu = jax.default_backend() == "cpu"
  return "rows" if cpu and patch <= _MATMUL_MAX_PATCH_ELEMENTS else "xla"


def conv_general_dilated(lhs, rhs, window_strides, padding, lhs_dilation=None, rhs_dilation=None,
                         dimension_numbers=None, feature_group_count=1, precision=None,
                         impl: str = "auto"):
  """lax.conv_general_dilated's signature, for nn.Conv(padding='SAME', strides 1): the form `impl`
  picks for this input shape (resolve_impl). Other settings are refused, not approximated."""
  del precision
  ones = lambda v: v is None or all(d == 1 for d in v)
  if (padding != "SAME" or not ones(window_strides) or not ones(lhs_dilation)
      or not ones(rhs_dilation) or feature_group_count != 1 or rhs.shape[0] % 2 == 0
      or dimension_numbers != _NHWC_HWIO):
    raise NotImplementedError("conv.conv_general_dilated: 'same', stride 1, odd kernel, NHWC only")
  _, h, w, c_in = lhs.shape
  return conv2d_same(lhs, rhs, resolve_impl(impl, rhs.shape[0], c_in, h, w))


def conv2d_same(x: jax.Array, kernel: jax.Array, impl: str) -> jax.Array:
  """x: (B, H, W, C_in); kernel: (k, k, C_in, C_out) with odd k -> (B, H, W, C_out)."""
  k = kernel.shape[0]
  if impl == "xla":
    return jax.lax.conv_general_dilated(
        x, kernel, window_strides=(1, 1), padding="SAME",
        dimension_numbers=("NHWC", "HWIO", "NHWC"))
  b, h, w, c_in = x.shape
  p = k // 2
  x_pad = jnp.pad(x, ((0, 0), (p, p), (p, p), (0, 0)))
  if impl == "rows":
    kernel_rows = kernel.reshape(k, k * c_in, -1)  # row dy: (dx, c) in the slices' order
    out = None
    for dy in range(k):
      row_bhwK = jnp.concatenate([x_pad[:, dy:dy + h, dx:dx + w, :] for dx in range(k)], axis=-1)
      term = row_bhwK @ kernel_rows[dy]
      out = term if out is None else out + term
    return out
  # Channel index of the concatenation is (dy * k + dx) * C_in + c: the row-major order of the
  # kernel's leading (k, k, C_in) axes, so a plain reshape lines the two up.
  patches_bhwK = jnp.concatenate(
      [x_pad[:, dy:dy + h, dx:dx + w, :] for dy in range(k) for dx in range(k)], axis=-1)
  return patches_bhwK @ kernel.reshape(k * k * c_in, -1)
