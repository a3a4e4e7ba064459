"""Eq. (1) / Appendix D: a 1-layer linear net trained by SGD with momentum lands on the closed form."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from helpers import model_cfg, optim_cfg

from identity_jax import atomic, models
from identity_jax.analyses import closed_form
from identity_jax.data import images, suites
from identity_jax.study import paths
from identity_jax.training import loop, optim, program


@pytest.fixture(scope="module")
def seven():
  from identity_jax.data import datasets
  raw, _ = suites.pick_training_images(datasets.offline_mnist(), 7, 2, seed=0)
  return images.resize(images.from_uint8(raw), 14)  # (2, 14, 14): 196-dim inputs keep it fast


def trained_linear(x_train, use_bias, steps, schedule):
  mcfg = model_cfg(name="fcn", hidden_layers=0, activation="linear", use_bias=use_bias)
  ocfg = optim_cfg(schedule=schedule)
  tr = program.Trainer(models.build_model(mcfg), optim.make_optimizer(ocfg, steps),
                     jnp.asarray(x_train), 1e-10)
  keys = program.seed_keys(3, range(2))
  res = loop.train(tr, keys, steps, 1)
  return tr, res, res.seeds.init_params


# Two images leave a slow direction (their difference): a constant rate and more steps reach it.
@pytest.mark.parametrize("use_bias, k, steps, schedule", [(False, 1, 1500, "compressed"),
                                                          (True, 1, 1500, "compressed"),
                                                          (False, 2, 6000, "constant")])
def test_sgd_lands_on_equation_1(seven, use_bias, k, steps, schedule):
  x_train = seven[:k]
  tr, res, init = trained_linear(x_train, use_bias, steps, schedule)
  d = x_train[0].size
  rng = np.random.default_rng(0)
  random = images.standardize(rng.uniform(size=(6, 14, 14)))
  orthogonal = suites.rho_images(x_train[0], 0.0, 6, rng)
  for name, x in [("random", random), ("orthogonal", orthogonal), ("train", x_train)]:
    for s in range(2):
      p0 = init["params"]["layer_0"]
      expected = closed_form.linear_prediction(
          p0["kernel"][s], p0["bias"][s] if use_bias else None, x_train.reshape(k, d),
          x.reshape(len(x), d))
      got = tr.model.apply(jax.tree.map(lambda a: a[s], res.seeds.params), jnp.asarray(x))
      err = np.linalg.norm(np.asarray(got).reshape(len(x), d) - expected) / np.linalg.norm(expected)
      assert err < 1e-4, (name, s, err)


def test_closed_form_is_equation_1_for_one_image_without_bias():
  rng = np.random.default_rng(0)
  d = 20
  w0, x_hat, x = rng.normal(size=(d, d)), rng.normal(size=d), rng.normal(size=(5, d))
  proj = (x @ x_hat / (x_hat @ x_hat))[:, None] * x_hat  # eq. (1), column convention f = W x
  eq1 = proj + (x - proj) @ w0.T
  # linear_prediction takes flax's kernel layout (y = x @ kernel), i.e. kernel = W0^T.
  np.testing.assert_allclose(closed_form.linear_prediction(w0.T, None, x_hat[None], x), eq1,
                             rtol=1e-10)
  # and the training image is reproduced exactly, inputs orthogonal to it get W0 x
  np.testing.assert_allclose(closed_form.linear_prediction(w0.T, None, x_hat[None], x_hat[None]),
                             x_hat[None], rtol=1e-10)


# Fig 6, bottom layer alone: units off at init never turn on (one image), so the reachable outputs
# are a cone; a narrow net (d = 36, ~12 active units) converges to its NNLS residual, a wide one fits.
@pytest.mark.parametrize("width", [24, 512])
def test_bottom_layer_alone_converges_to_its_least_reachable_loss(seven, width):
  x = images.resize(seven[:1], 6)
  model = models.build_model(model_cfg(name="fcn", hidden_layers=1, width=width))
  tx = optim.with_frozen_layers(optim.make_optimizer(optim_cfg(schedule="constant"), 3000), (0,))
  tr = program.Trainer(model, tx, jnp.asarray(x), 1e-10)
  res = loop.train(tr, program.seed_keys(5, range(3)), 3000, 1)
  for s in range(3):
    p = jax.tree.map(lambda a: np.asarray(a[s]), res.seeds.init_params)["params"]
    least, active = closed_form.bottom_layer_least_loss(
        p["layer_0"]["kernel"], p["layer_0"]["bias"], p["layer_1"]["kernel"], p["layer_1"]["bias"],
        x[0])
    final = float(tr.loss(jax.tree.map(lambda a: a[s], res.seeds.params)))
    assert 0.3 * width < active < 0.7 * width
    if width == 24:  # far fewer active units than 2d: out of reach, and training finds the bound
      assert least > 0.05 and final == pytest.approx(least, rel=1e-4)
    else:
      assert least < 1e-9 and final < 1e-3


def test_least_loss_is_written_for_the_bottom_layer_cells_of_a_study(tmp_path):
  from identity_jax.analyses import reachable
  from identity_jax.configs import two_layer_relu
  from identity_jax.errors import WorkdirError
  from identity_jax.study import cell as cell_lib
  from identity_jax.study import workdir
  config = two_layer_relu.get_config("tiny")
  cells = cell_lib.parse_all(config)
  assert [n for n, c in cells.items() if reachable.applies(c)] == ["w32_bottom", "w64_bottom"]
  with pytest.raises(WorkdirError, match="no identity_jax experiment"):
    reachable.write(tmp_path)
  atomic.write_json(tmp_path / paths.MARKER, dict(cells={
      n: dict(config=c.record) for n, c in cells.items()}))
  out = reachable.write(tmp_path, log=lambda *_: None)
  assert set(out) == {"w32_bottom", "w64_bottom"}
  w32 = out["w32_bottom"]["seeds"]
  assert len(w32) == cells["w32_bottom"].num_seeds and all(0 < r["active_units"] < 32 for r in w32)
  # 16-odd active units cannot span a 784-pixel image: nowhere near the tolerance
  assert all(r["least_loss"] > 0.1 and not r["reachable"] for r in w32)
  assert workdir.read_json(tmp_path / paths.LEAST_LOSS) == out
  atomic.write_json(tmp_path / paths.MARKER, dict(cells={
      n: dict(config=c.record) for n, c in cells.items() if n.endswith("both")}))
  with pytest.raises(WorkdirError, match="no cell .* has a closed-form least loss"):
    reachable.write(tmp_path)
