"""The training program and its optimizer (training/program.py, optim.py): seeds vmapped equal
seeds alone, the paper schedule per seed, independent seed streams."""

import math
import pathlib
import subprocess
import sys

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import pytest
from helpers import model_cfg, optim_cfg, trainer

from identity_jax import models
from identity_jax.errors import ConfigError
from identity_jax.study import cell, config, evaluate
from identity_jax.training import loop, optim, program

REPO = pathlib.Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("mcfg, seeds_per_vmap", [
    (model_cfg(num_layers=3, channels=4), "all"),                # all 3 seeds in one vmap
    (model_cfg(name="residual", num_layers=3, channels=4), "all"),
    (model_cfg(name="normalized", num_layers=2, channels=4), "all"),
    (model_cfg(name="normalized", num_layers=2, channels=4, norm="layer"), 1),
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


def sgd(schedule):
  return cell.OptimConfig(name="sgd", learning_rate=0.01, momentum=0.9, schedule=schedule)


# --- schedules -------------------------------------------------------------------------------------

@pytest.mark.parametrize("decay_at, expected_end", [(100, 333), (-1, 1000), (5000, 1000), (299, 997)])
def test_paper_schedule_factors(decay_at, expected_end):
  """Full rate until T = min(stably fitted step, 30% of the budget); x0.2 at T, 2T, 8T/3; 0 from 10T/3."""
  t = decay_at if 0 <= decay_at < 300 else 300
  scale = lambda s: float(optim.update_scale(jnp.int32(s), jnp.int32(decay_at), 1000))
  assert int(optim.paper_end(jnp.int32(decay_at), 1000)) == expected_end
  assert scale(t - 1) == 1.0
  assert math.isclose(scale(t), 0.2, rel_tol=1e-6) and math.isclose(scale(2 * t - 1), 0.2, rel_tol=1e-6)
  assert math.isclose(scale(2 * t), 0.04, rel_tol=1e-6)
  assert math.isclose(scale(round(8 * t / 3)), 0.008, rel_tol=1e-6)
  assert scale(expected_end) == 0.0
  assert scale(999) == 0.0 if expected_end < 1000 else math.isclose(scale(999), 0.008, rel_tol=1e-6)


def test_paper_schedule_of_a_seed_that_never_fits_is_the_papers():
  """Not fitted by 30% of the budget: the decays fall at 30/60/80%, like the compressed schedule."""
  compressed = optim.learning_rate_schedule(sgd("compressed"), 1000)
  for s in (0, 299, 300, 599, 600, 799, 800, 999):
    assert math.isclose(0.01 * float(optim.update_scale(jnp.int32(s), jnp.int32(-1), 1000)),
                        float(compressed(s)), rel_tol=1e-6), s


def test_the_old_schedule_name_is_refused_with_the_new_one():
  with pytest.raises(ConfigError, match="(?s)renamed.*use 'compressed'"):
    sgd("stagewise")


def _trainer(schedule, num_steps, tolerance=1e-3):
  model = models.build_model(model_cfg(name="fcn", hidden_layers=1, width=32))
  x = jax.random.normal(jax.random.key(0), (1, 8, 8))
  tx = optim.make_optimizer(sgd(schedule), num_steps)
  return program.Trainer(model, tx, x, tolerance,
                       paper_schedule_steps=num_steps if schedule == "paper" else 0)


def test_paper_schedule_freezes_a_seed_at_its_end_and_stops_the_run():
  tr = _trainer("paper", 600, tolerance=5e-2)
  keys = program.seed_keys(0, range(2))
  full = loop.train(tr, keys, 600, 60)
  assert (full.seeds.fitted_at >= 0).all()
  # Stopped once every seed's schedule has ended: the parameters are those of the whole budget.
  short = loop.train(tr, keys, 600, 60, options=loop.RunOptions(stop_when_fitted=True))
  assert short.steps_run < 600
  # It stops at the step the last schedule ends, not at the end of a chunk (here 300 steps).
  coarse = loop.train(tr, keys, 600, 2, options=loop.RunOptions(stop_when_fitted=True))
  assert coarse.steps_run == short.steps_run, (coarse.steps_run, short.steps_run)
  for run in (short, coarse):
    for a, b in zip(jax.tree.leaves(run.seeds.params), jax.tree.leaves(full.seeds.params)):
      np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    np.testing.assert_array_equal(run.seeds.final_loss, full.seeds.final_loss)


def test_stably_fitted_needs_the_loss_below_tolerance_for_as_long_as_it_took():
  assert not optim.stably_fitted(jnp.int32(30), jnp.int32(-1))
  assert not optim.stably_fitted(jnp.int32(39), jnp.int32(20))
  assert optim.stably_fitted(jnp.int32(40), jnp.int32(20))


@pytest.fixture(scope="module")
def seven():
  """The main job's training image: the MNIST "7", 28x28, standardized."""
  from identity_jax.data import datasets, images, suites
  raw, _ = suites.pick_training_images(datasets.offline_mnist(), 7, 1, seed=0)
  return images.resize(images.from_uint8(raw), 28)


def test_paper_schedule_waits_out_the_momentum_bounce(seven):
  """A 1-layer linear net with momentum 0.9 dips below 1e-3 at step ~21 and bounces back above it;
  decaying from that first dip froze 7 of 8 seeds above the tolerance. Every seed fits now."""
  model = models.build_model(model_cfg(name="fcn", hidden_layers=0, activation="linear"))
  tr = program.Trainer(model, optim.make_optimizer(sgd("paper"), 300), jnp.asarray(seven), 1e-3,
                     paper_schedule_steps=300)
  res = loop.train(tr, program.seed_keys(0, range(8)), 300, 10)
  assert (res.seeds.fitted_at <= 25).all() and res.status == ["fitted"] * 8, res.seeds.final_loss


def test_paper_schedule_is_per_seed_so_seeds_do_not_depend_on_their_neighbours():
  tr = _trainer("paper", 300, tolerance=5e-2)
  together = loop.train(tr, program.seed_keys(0, range(3)), 300, 3)
  alone = loop.train(tr, program.seed_keys(0, [1]), 300, 3)
  assert together.seeds.fitted_at[1] == alone.seeds.fitted_at[0]
  for a, b in zip(jax.tree.leaves(together.seeds.params), jax.tree.leaves(alone.seeds.params)):
    np.testing.assert_allclose(np.asarray(a)[1], np.asarray(b)[0], rtol=1e-5, atol=1e-6)


# --- seeds -----------------------------------------------------------------------------------------

def _keys(paired, name, study="study"):
  c = config.base_config()
  c.name, c.num_seeds, c.paired_seeds = study, 3, paired
  c.cells = ml_collections.ConfigDict({name: {}})
  return evaluate.cell_keys(cell.parse_all(c)[name])


def test_cells_get_independent_keys_unless_paired():
  a, b = _keys(False, "c5"), _keys(False, "c20")
  other_study = _keys(False, "c5", "other")
  data = lambda k: np.asarray(jax.random.key_data(k))
  assert not np.any(np.all(data(a) == data(b), axis=-1))
  assert not np.any(np.all(data(a) == data(other_study), axis=-1))
  np.testing.assert_array_equal(data(_keys(False, "c5")), data(a))  # stable
  paired = [data(_keys(True, c)) for c in ("c5", "c20")]
  np.testing.assert_array_equal(paired[0], paired[1])
  np.testing.assert_array_equal(paired[0], data(program.seed_keys(0, range(3))))


def test_stream_ids_are_stable_across_processes():
  code = "from identity_jax.training import program; print(program.stream_id('convnet_depth/c5'))"
  out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
  assert int(out.stdout) == program.stream_id("convnet_depth/c5")
