"""Stride-1 'same' 2-D convolution in three equivalent forms; which one is fast depends on the backend.

'rows': for each of the k kernel rows, the k shifted slices of that row are concatenated along
  channels and multiplied by that row of the kernel, (k*C_in, C_out): k matmuls, summed. Its patch
  buffers are k times smaller than 'matmul's; on the 2-core CPU it is faster than 'matmul' on
  layers with long patches (k*k*C_in >= 800) and slower on short ones (benchmarks/RESULTS.md).
'matmul': the k*k shifted slices of the zero-padded input are concatenated along channels and multiplied
  by the kernel reshaped to (k*k*C_in, C_out) in ONE matmul. On XLA:CPU this runs ~15x faster than
  lax.conv_general_dilated, stays fast inside lax.scan / fori_loop, and under vmap over seeds becomes a
  batched matmul instead of a grouped convolution (benchmarks/RESULTS.md).
'flipped': 'matmul' forward, with a hand-written gradient: the input gradient is the 'matmul' form
  of the output gradient with the spatially flipped, transposed kernel, where XLA's own transpose
  of the slices is a sum of k*k padded slices. Without a bias XLA:CPU recomputes that sum in each
  of its two consumers (the ReLU mask and the transposed operand of the kernel-gradient matmul);
  a bias's gradient makes it one buffer. So 'auto' picks it for bias-free layers on CPU.
'xla': jax.lax.conv_general_dilated (cuDNN on GPU).
All are cross-correlations with the same HWIO kernel layout, so parameters are interchangeable.
`conv_general_dilated` plugs either into flax's nn.Conv (its conv_general_dilated hook).
"""

import jax
import jax.numpy as jnp

from identity_jax.errors import check_choice

IMPLS = ("auto", "rows", "matmul", "flipped", "xla")
# On CPU, in the training program (seeds one after another inside a loop), 'rows' beats 'matmul'
# only for small kernels with long patches: k <= 5 and k*k*C_in >= 800 (32+ channels at 5x5); larger
# kernels train faster as one matmul (15x15 and 29x29 at 8 channels: 1.45x and 1.17x), as do short
# patches (benchmarks/RESULTS.md, "The convolution forms in the training program").
_ROWS_MIN_PATCH = 800
_ROWS_MAX_KERNEL = 5
# Beyond this many patch elements per image the matmul form's (H, W, k*k*C_in) buffer is too large.
_MATMUL_MAX_PATCH_ELEMENTS = 2**26
_NHWC_HWIO = jax.lax.conv_dimension_numbers((1, 1, 1, 1), (1, 1, 1, 1), ("NHWC", "HWIO", "NHWC"))


def resolve_impl(impl: str, kernel_size: int, in_channels: int, height: int, width: int,
                 use_bias: bool = True) -> str:
  """'auto', per layer: on CPU 'rows' for long patches of small kernels, else 'matmul', 'flipped' for
  layers without a bias, 'xla' when the patch buffer would be huge or off CPU (the measurements
  behind it: benchmarks/RESULTS.md)."""
  check_choice("model.conv_impl", impl, IMPLS)
  if impl != "auto":
    return impl
  patch = kernel_size * kernel_size * in_channels
  if jax.default_backend() != "cpu" or height * width * patch > _MATMUL_MAX_PATCH_ELEMENTS:
    return "xla"
  if not use_bias:
    return "flipped"
  return "rows" if patch >= _ROWS_MIN_PATCH and kernel_size <= _ROWS_MAX_KERNEL else "matmul"


def conv_general_dilated(lhs, rhs, window_strides, padding, lhs_dilation=None, rhs_dilation=None,
                         dimension_numbers=None, feature_group_count=1, precision=None,
                         impl: str = "auto", use_bias: bool = True):
  """lax.conv_general_dilated's signature, for nn.Conv(padding='SAME', strides 1): the form `impl`
  picks for this input shape and layer (resolve_impl; use_bias: whether a bias follows). Other
  settings are refused, not approximated."""
  del precision
  ones = lambda v: v is None or all(d == 1 for d in v)
  if (padding != "SAME" or not ones(window_strides) or not ones(lhs_dilation)
      or not ones(rhs_dilation) or feature_group_count != 1 or rhs.shape[0] % 2 == 0
      or dimension_numbers != _NHWC_HWIO):
    raise NotImplementedError("conv.conv_general_dilated: 'same', stride 1, odd kernel, NHWC only")
  _, h, w, c_in = lhs.shape
  return conv2d_same(lhs, rhs, resolve_impl(impl, rhs.shape[0], c_in, h, w, use_bias))


def conv2d_same(x: jax.Array, kernel: jax.Array, impl: str) -> jax.Array:
  """x: (B, H, W, C_in); kernel: (k, k, C_in, C_out) with odd k -> (B, H, W, C_out)."""
  k = kernel.shape[0]
  if impl == "flipped":
    # Under shard_map a custom_vjp's cotangents must vary over the same mesh axes as its inputs: an
    # image shared by all seeds (invariant) meets per-seed kernels, so it is cast to vary as they do
    # (the cast's own transpose sums the per-seed input gradients back).
    vary = tuple(_varying_axes(kernel) - _varying_axes(x))
    return _conv_flipped(jax.lax.pcast(x, vary, to="varying") if vary else x, kernel)
  if impl == "xla":
    return jax.lax.conv_general_dilated(
        x, kernel, window_strides=(1, 1), padding="SAME",
        dimension_numbers=("NHWC", "HWIO", "NHWC"))
  c_in = x.shape[-1]
  if impl == "rows":
    _, h, w, _ = x.shape
    p = k // 2
    x_pad = jnp.pad(x, ((0, 0), (p, p), (p, p), (0, 0)))
    kernel_rows = kernel.reshape(k, k * c_in, -1)  # row dy: (dx, c) in the slices' order
    out = None
    for dy in range(k):
      row_bhwK = jnp.concatenate([x_pad[:, dy:dy + h, dx:dx + w, :] for dx in range(k)], axis=-1)
      term = row_bhwK @ kernel_rows[dy]
      out = term if out is None else out + term
    return out
  return _patches(x, k) @ kernel.reshape(k * k * c_in, -1)


def _varying_axes(a) -> frozenset:
  """The shard_map mesh axes over which `a` varies (empty outside shard_map)."""
  aval = jax.typeof(a)
  axis_type = getattr(aval, "manual_axis_type", None)  # jax 0.10; older releases: aval.vma
  return axis_type.varying if axis_type is not None else getattr(aval, "vma", frozenset())


def _patches(x, k: int) -> jax.Array:
  """(B, H, W, C) -> (B, H, W, k*k*C): the k*k shifted slices of the zero-padded input. Channel
  index (dy * k + dx) * C + c is the row-major order of a kernel's leading (k, k, C) axes, so a
  plain reshape of the kernel lines the two up."""
  _, h, w, _ = x.shape
  p = k // 2
  x_pad = jnp.pad(x, ((0, 0), (p, p), (p, p), (0, 0)))
  return jnp.concatenate(
      [x_pad[:, dy:dy + h, dx:dx + w, :] for dy in range(k) for dx in range(k)], axis=-1)


@jax.custom_vjp
def _conv_flipped(x, kernel):
  return conv2d_same(x, kernel, "matmul")


def _conv_flipped_fwd(x, kernel):
  return conv2d_same(x, kernel, "matmul"), (x, kernel)


def _conv_flipped_bwd(res, g_bhwo):
  x, kernel = res
  k = kernel.shape[0]
  # Patches recomputed rather than saved: as fast here, and k*k times less memory between passes.
  d_kernel = jnp.einsum("bhwK,bhwo->Ko", _patches(x, k), g_bhwo).reshape(kernel.shape)
  # A 'same' stride-1 correlation's input gradient: the same correlation of the output gradient
  # with the kernel flipped in space and its channel axes swapped.
  d_x = conv2d_same(g_bhwo, kernel[::-1, ::-1].transpose(0, 1, 3, 2), "matmul")
  return d_x, d_kernel


_conv_flipped.defvjp(_conv_flipped_fwd, _conv_flipped_bwd)
