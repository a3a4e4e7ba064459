"""identity_jax/models/conv.py: every form equals lax.conv_general_dilated, forward and both gradients;
'auto' picks per layer; and the compiled training program keeps XLA:CPU's fast convolution layout."""

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from helpers import model_cfg

from identity_jax import models
from identity_jax.configs import default
from identity_jax.data import suites
from identity_jax.models import conv
from identity_jax.study import cell as cell_lib
from identity_jax.study import evaluate
from identity_jax.training import loop

FORMS = ("nhwc", "matmul", "rows", "flipped")  # checked against lax.conv_general_dilated ("xla")


# c_in < c_out and c_in > c_out take the two ways round of nhwc's kernel gradient.
@pytest.mark.parametrize("impl", FORMS)
@pytest.mark.parametrize("k, c_in, c_out, size", [(1, 1, 3, 5), (3, 2, 4, 7), (5, 3, 2, 9),
                                                  (7, 1, 1, 6), (9, 2, 3, 4), (5, 6, 1, 8)])
def test_conv_forms_equal_xla_conv_forward_and_gradients(impl, k, c_in, c_out, size):
  kx, kk, kg = jax.random.split(jax.random.key(k), 3)
  x = jax.random.normal(kx, (2, size, size + 1, c_in))
  kernel = jax.random.normal(kk, (k, k, c_in, c_out))
  a = conv.conv2d_same(x, kernel, impl)
  b = conv.conv2d_same(x, kernel, "xla")
  assert a.shape == (2, size, size + 1, c_out)
  np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
  # Both gradients (input and kernel) of a loss that weighs every output differently.
  weights = jax.random.normal(kg, a.shape)
  loss = lambda form: lambda x, kernel: jnp.sum(weights * conv.conv2d_same(x, kernel, form))
  for ga, gb in zip(jax.grad(loss(impl), (0, 1))(x, kernel), jax.grad(loss("xla"), (0, 1))(x, kernel)):
    np.testing.assert_allclose(ga, gb, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("impl", FORMS)
@pytest.mark.parametrize("c_in, c_out", [(2, 4), (4, 2)])
def test_conv_forms_under_vmap_equal_per_seed(impl, c_in, c_out):
  kernels = jax.random.normal(jax.random.key(0), (3, 5, 5, c_in, c_out))
  x = jax.random.normal(jax.random.key(1), (1, 8, 8, c_in))
  batched = jax.vmap(lambda k: conv.conv2d_same(x, k, impl))(kernels)
  grads = jax.vmap(jax.grad(lambda k: jnp.sum(conv.conv2d_same(x, k, impl) ** 2)))(kernels)
  sequential = jax.lax.map(jax.grad(lambda k: jnp.sum(conv.conv2d_same(x, k, impl) ** 2)), kernels)
  for s in range(3):
    np.testing.assert_allclose(batched[s], conv.conv2d_same(x, kernels[s], "xla"), rtol=1e-5,
                               atol=1e-5)
    ref = jax.grad(lambda k: jnp.sum(conv.conv2d_same(x, k, "xla") ** 2))(kernels[s])
    np.testing.assert_allclose(grads[s], ref, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(sequential[s], ref, rtol=1e-4, atol=1e-4)


def test_auto_picks_per_layer_on_cpu():
  assert jax.default_backend() == "cpu"
  # 32+ channels on either side: XLA's convolution in the NHWC/HWIO layout, with or without a bias.
  assert conv.resolve_impl("auto", 5, 32, 32, 28, 28) == "nhwc"
  assert conv.resolve_impl("auto", 5, 1, 32, 28, 28) == "nhwc"  # a 32-channel net's first layer
  assert conv.resolve_impl("auto", 5, 128, 1, 28, 28) == "nhwc"  # and its last
  assert conv.resolve_impl("auto", 5, 32, 32, 14, 14, use_bias=False) == "nhwc"
  assert conv.resolve_impl("auto", 57, 1024, 1024, 112, 112) == "nhwc"
  # Fewer: the matmul forms; the hand-written input gradient without a bias.
  assert conv.resolve_impl("auto", 5, 16, 16, 28, 28) == "matmul"
  assert conv.resolve_impl("auto", 15, 8, 8, 28, 28) == "matmul"
  assert conv.resolve_impl("auto", 5, 1, 8, 28, 28) == "matmul"
  assert conv.resolve_impl("auto", 5, 8, 8, 28, 28, use_bias=False) == "flipped"
  assert conv.resolve_impl("auto", 5, 1, 8, 28, 28, use_bias=False) == "flipped"
  # A patch buffer too large for the matmul forms.
  assert conv.resolve_impl("auto", 57, 16, 16, 112, 112) == "xla"
  assert conv.resolve_impl("matmul", 5, 32, 32, 28, 28) == "matmul"  # a named form is kept


@pytest.mark.parametrize("channels, use_bias", [(4, False), (32, True), (32, False)])
def test_convnet_gradients_under_auto_equal_xla_per_seed(channels, use_bias):
  # The whole net's parameter gradients under 'auto' (its per-layer forms: flipped without a bias
  # at 4 channels, nhwc at 32), vmapped over seeds, against XLA's convolution.
  x = jax.random.normal(jax.random.key(5), (1, 10, 10))
  grads = {}
  for impl in ("auto", "xla"):
    model = models.build_model(model_cfg(num_layers=4, channels=channels, use_bias=use_bias,
                                         conv_impl=impl))
    params = jax.vmap(lambda k: models.init_params(model, k, 10))(
        jax.random.split(jax.random.key(6), 2))
    loss = lambda p: jnp.mean((model.apply(p, x) - x) ** 2)
    grads[impl] = jax.vmap(jax.grad(loss))(params)
  for a, b in zip(jax.tree.leaves(grads["auto"]), jax.tree.leaves(grads["xla"])):
    np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def _compiled_training_program(cell: cell_lib.Cell) -> str:
  """The text of the cell's compiled run (its chunk of steps inside a loop), as training compiles
  it on this machine's devices."""
  x = jax.random.uniform(jax.random.key(1), (1, cell.data.image_size, cell.data.image_size))
  tr = evaluate.trainer(cell, suites.Data(train=x, train_labels=None, suites={}, sources={}))
  mesh = loop.seed_mesh(None, cell.num_seeds)
  per_device = cell.num_seeds // (1 if mesh is None else mesh.size)
  fns = tr.batched(loop.resolve_seeds_per_vmap("auto", per_device), mesh)
  state = fns.init(evaluate.cell_keys(cell))
  return fns.run.lower(state, jnp.int32(1)).compile().as_text()


@pytest.mark.parametrize("use_bias", [True, False])
def test_training_program_keeps_every_convolution_on_the_fast_layout(use_bias):
  """XLA:CPU runs a convolution on its fast (Eigen) kernel only as NHWC input, HWIO kernel, NHWC
  output with no window reversal; inside a while loop nothing rewrites other layouts into it. A jax
  or XLA upgrade that changes the layouts fails here instead of silently costing 2x."""
  record = cell_lib.parse_all(default.get_config("quick"))["convnet_5"].record  # 5 x 32, 28x28
  record = dict(record, num_seeds=2, model=dict(record["model"], use_bias=use_bias))
  text = _compiled_training_program(cell_lib.Cell.parse("convnet_5", record))
  convs = [line for line in text.splitlines() if re.search(r"\bconvolution\(", line)]
  layers = record["model"]["num_layers"]
  # Per layer a forward and a kernel-gradient convolution, and an input gradient but for layer 0's.
  assert len(convs) == 3 * layers - 1, convs
  for line in convs:
    assert "dim_labels=b01f_01io->b01f" in line, line
    assert "rhs_reversal" not in line, line
