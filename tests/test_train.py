import jax
import jax.numpy as jnp
import numpy as np
import pytest
from helpers import model_cfg, optim_cfg, trainer

from identity_jax import models
from identity_jax.errors import ConfigError
from identity_jax.training import loop, optim, program


@pytest.mark.parametrize("mcfg, seeds_per_vmap", [
    (model_cfg(num_layers=3, channels=4), "all"),                # all 3 seeds in one vmap
    (model_cfg(name="fcn", hidden_layers=2, width=32), "all"),
    (model_cfg(name="fcn", hidden_layers=2, width=32), 2),       # a vmapped pair, then one seed
    (model_cfg(name="fcn", hidden_layers=2, width=32), 1)])      # one seed after another
def test_vmapped_seeds_equal_seeds_trained_alone(mcfg, seeds_per_vmap):
  tr = trainer(mcfg)
  keys = program.seed_keys(0, range(3))
  together = loop.train(tr, keys, 30, 3, options=loop.RunOptions(seeds_per_vmap))
  init, run = jax.jit(tr.init), jax.jit(tr.run)
  for s in range(3):
    alone = run(init(keys[s]), 30).params
    for a, b in zip(jax.tree.leaves(alone), jax.tree.leaves(together.seeds.params)):
      np.testing.assert_allclose(b[s], a, rtol=1e-5, atol=1e-6 * float(jnp.abs(a).max()))


def test_seed_keys_do_not_depend_on_seed_count():
  a, b = program.seed_keys(7, range(2)), program.seed_keys(7, range(5))
  np.testing.assert_array_equal(jax.random.key_data(a), jax.random.key_data(b[:2]))


def test_training_fits_and_records_snapshots():
  res = loop.train(trainer(model_cfg(name="fcn", hidden_layers=1, width=64), 200),
                    program.seed_keys(0, range(2)), 200, 5, progress=None)
  np.testing.assert_array_equal(res.loss_steps, [0, 40, 80, 120, 160, 200])
  assert res.seeds.loss_history.shape == (2, 6)
  assert (res.seeds.loss_history[:, -1] < 0.01 * res.seeds.loss_history[:, 0]).all()
  assert res.status == ["fitted", "fitted"] and (res.seeds.fitted_at > 0).all()
  assert (res.seeds.diverged_at == -1).all()


def test_divergence_is_reported_with_its_step():
  tx = optim.make_optimizer(optim_cfg(learning_rate=1e4, schedule="constant"), 50)
  res = loop.train(trainer(model_cfg(name="fcn", hidden_layers=2, width=32), tx=tx),
                    program.seed_keys(0, range(2)), 50, 2)
  assert res.status == ["diverged", "diverged"]
  assert ((res.seeds.diverged_at > 0) & (res.seeds.diverged_at < 50)).all()


def test_frozen_layers_stay_exactly_at_init():
  mcfg = model_cfg(name="fcn", hidden_layers=1, width=32)
  tx = optim.with_frozen_layers(optim.make_optimizer(optim_cfg(), 40), optim.parse_trainable("0", 2))
  tr = trainer(mcfg, tx=tx)
  keys = program.seed_keys(1, range(2))
  res = loop.train(tr, keys, 40, 2)
  init = res.seeds.init_params
  for name in ("kernel", "bias"):
    np.testing.assert_array_equal(res.seeds.params["params"]["layer_1"][name],
                                  init["params"]["layer_1"][name])
    assert not np.allclose(res.seeds.params["params"]["layer_0"][name], init["params"]["layer_0"][name])


def test_stagewise_schedule_values():
  lr = optim.learning_rate_schedule(optim_cfg(learning_rate=0.01), 1000)
  for step, expected in [(0, 0.01), (299, 0.01), (300, 0.002), (599, 0.002), (600, 4e-4),
                         (800, 8e-5), (999, 8e-5)]:
    np.testing.assert_allclose(float(lr(step)), expected, rtol=1e-6)


@pytest.mark.parametrize("name", optim.OPTIMIZERS)
def test_every_optimizer_reduces_the_loss(name):
  lr = 0.01 if name == "sgd" else 1e-3
  tx = optim.make_optimizer(optim_cfg(name=name, learning_rate=lr, schedule="constant"), 150)
  res = loop.train(trainer(model_cfg(name="fcn", hidden_layers=1, width=32), tx=tx),
                    program.seed_keys(0, range(1)), 150, 1)
  assert res.seeds.loss_history[0, -1] < 0.5 * res.seeds.loss_history[0, 0]


@pytest.mark.parametrize("overrides, message", [
    (dict(name="lbfgs"), "unknown optim.name"),
    (dict(learning_rate=0.0), "optim.learning_rate"),
    (dict(learning_rate=-0.1), "optim.learning_rate"),
    (dict(schedule="cosine"), "optim.schedule"),
    (dict(momentum=1.0), "optim.momentum"),
])
def test_bad_optimizer_configs_are_named(overrides, message):
  with pytest.raises(ConfigError, match=message):
    optim_cfg(**overrides)


@pytest.mark.parametrize("spec, expected", [("all", (0, 1, 2)), ("0", (0,)), ("-1", (2,)),
                                            ("0,-1", (0, 2))])
def test_parse_trainable(spec, expected):
  assert optim.parse_trainable(spec, 3) == expected


@pytest.mark.parametrize("spec", ["3", "bottom", "", "-4"])
def test_parse_trainable_rejects(spec):
  with pytest.raises(ConfigError, match="train.trainable"):
    optim.parse_trainable(spec, 3)


def test_seeds_per_vmap_setting():
  assert loop.resolve_seeds_per_vmap("auto", 8) == 1  # auto on CPU
  assert loop.resolve_seeds_per_vmap("all", 8) == "all"
  assert loop.resolve_seeds_per_vmap(8, 8) == "all"
  assert loop.resolve_seeds_per_vmap(3, 8) == 3
  for bad in (-1, 0, "some", True):
    with pytest.raises(ConfigError, match="train.seeds_per_vmap"):
      loop.resolve_seeds_per_vmap(bad, 8)


def test_snapshot_steps_are_bounded():
  assert len(loop.snapshot_steps(2_000_000, 20)) == 21
  np.testing.assert_array_equal(loop.snapshot_steps(3, 10), [0, 1, 2, 3])


def test_minibatches_are_fixed_by_the_step_and_full_batch_is_the_default():
  xs = jax.random.normal(jax.random.key(1), (6, 8, 8))
  model = models.build_model(model_cfg(name="fcn", hidden_layers=1, width=16))
  tx = optim.make_optimizer(optim_cfg(), 10)
  full = program.Trainer(model, tx, xs, 1e-3)
  np.testing.assert_array_equal(full.batch(3), xs)
  np.testing.assert_array_equal(program.Trainer(model, tx, xs, 1e-3, batch_size=6).batch(3), xs)
  mini = program.Trainer(model, tx, xs, 1e-3, batch_size=2)
  b3, b3_again, b4 = mini.batch(jnp.int32(3)), mini.batch(jnp.int32(3)), mini.batch(jnp.int32(4))
  assert b3.shape == (2, 8, 8)
  np.testing.assert_array_equal(b3, b3_again)
  rows = {r.tobytes() for r in np.asarray(xs)}
  assert all(r.tobytes() in rows for r in np.asarray(jnp.concatenate([b3, b4])))
  # Different steps draw different batches (over 20 steps, surely more than one distinct batch).
  assert len({np.asarray(mini.batch(jnp.int32(t))).tobytes() for t in range(20)}) > 1
  # Minibatch training of vmapped seeds equals the seeds trained alone.
  keys = program.seed_keys(0, range(2))
  together = loop.train(mini, keys, 10, 2, options=loop.RunOptions(seeds_per_vmap="all"))
  alone = jax.jit(mini.run)(jax.jit(mini.init)(keys[1]), 10).params
  for a, b in zip(jax.tree.leaves(alone), jax.tree.leaves(together.seeds.params)):
    np.testing.assert_allclose(b[1], a, rtol=1e-5, atol=1e-7)
