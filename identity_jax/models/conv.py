"""Stride-1 'same' 2-D convolution in equivalent forms; which one is fast depends on the backend.

'nhwc': jax.lax.conv_general_dilated with a hand-written gradient whose two convolutions are, like
  the forward one, in exactly the NHWC input / HWIO kernel / NHWC output layout with no window
  reversal. Only that layout runs on XLA:CPU's fast (Eigen) convolution; XLA rewrites other layouts
  into it only outside loops, and JAX's own gradient convolutions are never in it, so inside the
  training loop 'xla' falls back to a naive loop nest (jax issue 12868). On the 2-core CPU 'nhwc'
  is 1.5-9x faster per layer than the matmul forms at 32+ channels and 2-4x slower below
  (benchmarks/RESULTS.md); tests/test_conv.py checks a compiled training program's layouts.
'rows': for each of the k kernel rows, the k shifted slices of that row are concatenated along
  channels and multiplied by that row of the kernel, (k*C_in, C_out): k matmuls, summed. Its patch
  buffers are k times smaller than 'matmul's.
'matmul': the k*k shifted slices of the zero-padded input are concatenated along channels and multiplied
  by the kernel reshaped to (k*k*C_in, C_out) in ONE matmul. It stays fast inside lax.scan / fori_loop,
  and under vmap over seeds becomes a batched matmul instead of a grouped convolution.
'flipped': 'matmul' forward, with a hand-written gradient: the input gradient is the 'matmul' form
  of the output gradient with the spatially flipped, transposed kernel, where XLA's own transpose
  of the slices is a sum of k*k padded slices. Without a bias XLA:CPU recomputes that sum in each
  of its two consumers (the ReLU mask and the transposed operand of the kernel-gradient matmul);
  a bias's gradient makes it one buffer. So 'auto' picks it for bias-free layers on CPU.
'xla': jax.lax.conv_general_dilated with JAX's own gradient (cuDNN on GPU).
All are cross-correlations with the same HWIO kernel layout, so parameters are interchangeable.
`conv_general_dilated` plugs either into flax's nn.Conv (its conv_general_dilated hook).
"""

import jax
import jax.numpy as jnp

from identity_jax.errors import check_choice

IMPLS = ("auto", "nhwc", "rows", "matmul", "flipped", "xla")
# On CPU, in the training program (seeds one after another inside a loop), 'nhwc' wins wherever a
# layer has 32+ channels on either side, 1.5-9x per layer (benchmarks/RESULTS.md, "The convolution
# forms"); below that XLA:CPU's Eigen convolution is 2-4x slower than the matmul forms. 'rows' beat
# 'matmul' only for 5x5 kernels at 32+ channels, which now take 'nhwc': auto no longer picks it.
_NHWC_MIN_CHANNELS = 32
# Beyond this many patch elements per image the matmul form's (H, W, k*k*C_in) buffer is too large.
_MATMUL_MAX_PATCH_ELEMENTS = 2**26
_NHWC_HWIO = jax.lax.conv_dimension_numbers((1, 1, 1, 1), (1, 1, 1, 1), ("NHWC", "HWIO", "NHWC"))


def resolve_impl(impl: str, kernel_size: int, in_channels: int, out_channels: int, height: int,
                 width: int, use_bias: bool = True) -> str:
  """'auto', per layer: off CPU 'xla'; on CPU 'nhwc' for layers with 32+ channels on either side,
  else 'flipped' for layers without a bias, 'matmul' with one, and 'xla' where the patch buffer
  would be huge (the measurements behind it: benchmarks/RESULTS.md)."""
  check_choice("model.conv_impl", impl, IMPLS)
  if impl != "auto":
    return impl
  if jax.default_backend() != "cpu":
    return "xla"
  if max(in_channels, out_channels) >= _NHWC_MIN_CHANNELS:
    return "nhwc"
  patch = kernel_size * kernel_size * in_channels
  if height * width * patch > _MATMUL_MAX_PATCH_ELEMENTS:
    return "xla"
  return "matmul" if use_bias else "flipped"


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
  return conv2d_same(lhs, rhs, resolve_impl(impl, rhs.shape[0], c_in, rhs.shape[-1], h, w, use_bias))


def conv2d_same(x: jax.Array, kernel: jax.Array, impl: str) -> jax.Array:
  """x: (B, H, W, C_in); kernel: (k, k, C_in, C_out) with odd k -> (B, H, W, C_out)."""
  k = kernel.shape[0]
  if impl in _CUSTOM_VJP:
    # Under shard_map a custom_vjp's cotangents must vary over the same mesh axes as its inputs: an
    # image shared by all seeds (invariant) meets per-seed kernels, so it is cast to vary as they do
    # (the cast's own transpose sums the per-seed input gradients back).
    vary = tuple(_varying_axes(kernel) - _varying_axes(x))
    return _CUSTOM_VJP[impl](jax.lax.pcast(x, vary, to="varying") if vary else x, kernel)
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


def _conv_nhwc_hwio(lhs, rhs, pad: int) -> jax.Array:
  """A stride-1 correlation in exactly the layout XLA:CPU's Eigen kernel takes (b01f_01io->b01f)."""
  return jax.lax.conv_general_dilated(lhs, rhs, (1, 1), ((pad, pad), (pad, pad)),
                                      dimension_numbers=_NHWC_HWIO)


@jax.custom_vjp
def _conv_nhwc(x, kernel):
  return _conv_nhwc_hwio(x, kernel, kernel.shape[0] // 2)


def _conv_nhwc_fwd(x, kernel):
  return _conv_nhwc(x, kernel), (x, kernel)


def _conv_nhwc_bwd(res, g_bhwo):
  x, kernel = res
  p = kernel.shape[0] // 2
  # Input gradient: the same correlation of the output gradient with the kernel flipped in space and
  # its channel axes swapped. The flipped kernel is made a buffer of its own (the barrier), so XLA
  # cannot fold the reverse into the convolution as a window reversal, which leaves the fast path.
  kernel_flipped = jax.lax.optimization_barrier(kernel[::-1, ::-1].transpose(0, 1, 3, 2))
  d_x = _conv_nhwc_hwio(g_bhwo, kernel_flipped, p)
  # Kernel gradient: d_kernel[dy, dx, i, o] = sum_{b,h,w} x_pad[b, h+dy, w+dx, i] g[b, h, w, o], a
  # correlation of x as (C_in, H, W, B) ("images" C_in, "channels" B) with g as (H, W, B, C_out)
  # (a kernel of the image's size), giving (C_in, k, k, C_out). XLA:CPU gathers the (k*k, H*W*B)
  # patches of every "image", so the operand with fewer channels is made the images: with g as the
  # images the result comes out flipped in space, (C_out, k, k, C_in) (the last layer, C_out = 1,
  # runs ~3x faster this way round).
  c_in, c_out = x.shape[-1], g_bhwo.shape[-1]
  if c_in <= c_out:
    d_kernel = _conv_nhwc_hwio(x.transpose(3, 1, 2, 0), g_bhwo.transpose(1, 2, 0, 3), p)
    d_kernel = d_kernel.transpose(1, 2, 0, 3)
  else:
    d_kernel = _conv_nhwc_hwio(g_bhwo.transpose(3, 1, 2, 0), x.transpose(1, 2, 0, 3), p)
    d_kernel = d_kernel[:, ::-1, ::-1, :].transpose(1, 2, 3, 0)
  return d_x, d_kernel


_conv_nhwc.defvjp(_conv_nhwc_fwd, _conv_nhwc_bwd)
_CUSTOM_VJP = {"flipped": _conv_flipped, "nhwc": _conv_nhwc}
