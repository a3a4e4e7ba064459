"""Stopping, checkpoint/resume, seed chunks and sharding change how a run goes, never its results."""

import os
import pathlib
import subprocess
import sys

import jax
import numpy as np
import optax
import pytest
from helpers import X2, DeadFlat, DeadMiddle, model_cfg, trainer

from identity_jax import models
from identity_jax.errors import ConfigError
from identity_jax.training import loop, program

HERE = pathlib.Path(__file__).resolve().parent


class Interrupted(Exception):
  pass


def interrupt_after(chunks):
  calls = []

  def progress(p):
    calls.append(p["step"])
    if len(calls) == chunks:
      raise Interrupted
  return progress


def assert_same_run(a, b):
  """Bit-identical: every per-seed record (the whole SeedRecords tree), and the statuses."""
  jax.tree.map(lambda x, y: np.testing.assert_array_equal(np.asarray(x), np.asarray(y)),
               a.seeds, b.seeds)
  assert a.status == b.status


def assert_close_run(a, b):
  """Equal up to float32 rounding: another compiled program (other seed count) may round differently;
  integer records (the steps seeds fitted or diverged at) exactly."""
  def close(x, y):
    x, y = np.asarray(x), np.asarray(y)
    if np.issubdtype(x.dtype, np.integer):
      np.testing.assert_array_equal(x, y)
    else:
      np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-7)
  jax.tree.map(close, a.seeds, b.seeds)
  assert a.status == b.status


@pytest.mark.parametrize("mcfg, stops", [
    (model_cfg(num_layers=2, channels=4), (2,)),  # ConvNet compiles are slow: one interruption
    (model_cfg(name="residual", num_layers=3, channels=4), (2,)),
    (model_cfg(name="normalized", num_layers=2, channels=4), (2,)),
    (model_cfg(name="fcn", hidden_layers=1, width=32), (1, 2, 3))])  # every boundary but the last
def test_resume_after_any_interruption_is_bit_identical(tmp_path, mcfg, stops):
  tr, keys = trainer(mcfg, 40), program.seed_keys(0, range(3))
  whole = loop.train(tr, keys, 40, 4)
  for stop_after in stops:
    opts = loop.RunOptions(checkpoint_dir=str(tmp_path / f"ckpt{stop_after}"),
                            checkpoint_minutes=0)
    with pytest.raises(Interrupted):
      loop.train(tr, keys, 40, 4, progress=interrupt_after(stop_after), options=opts)
    resumed = loop.train(tr, keys, 40, 4, options=opts)
    assert resumed.resumed_from_step == 10 * stop_after
    assert_same_run(resumed, whole)


def test_finished_checkpoint_is_not_trained_further(tmp_path):
  tr, keys = trainer(model_cfg(name="fcn", hidden_layers=1, width=32), 20), program.seed_keys(0, [0])
  opts = loop.RunOptions(checkpoint_dir=str(tmp_path / "c"), checkpoint_minutes=0)
  first = loop.train(tr, keys, 20, 2, options=opts)
  again = loop.train(tr, keys, 20, 2, options=opts)  # e.g. a crash after training, before results
  assert again.resumed_from_step == 20 and again.compile_seconds == 0
  assert_same_run(first, again)
  # The first run's seconds, recorded beside its last save, up to that save.
  assert first.earlier_seconds == 0.0 and 0 < again.earlier_seconds <= first.train_seconds
  (tmp_path / "c" / "seeds_0.seconds.json").unlink()  # as a save made before seconds were recorded
  assert loop.train(tr, keys, 20, 2, options=opts).earlier_seconds is None


def test_stop_when_every_seed_fitted():
  tr = trainer(model_cfg(name="fcn", hidden_layers=1, width=64), 400, tol=1e-2)
  keys = program.seed_keys(0, range(2))
  full = loop.train(tr, keys, 400, 20)
  early = loop.train(tr, keys, 400, 20, options=loop.RunOptions(stop_when_fitted=True))
  assert early.steps_run < 400 and early.status == ["fitted", "fitted"]
  assert len(early.loss_steps) == early.seeds.loss_history.shape[1] < len(full.loss_steps)
  assert early.loss_steps[-1] == early.steps_run
  # the same run up to where it stopped
  np.testing.assert_array_equal(early.seeds.loss_history, full.seeds.loss_history[:, :len(early.loss_steps)])


def test_resuming_a_run_that_stopped_early_keeps_its_stop(tmp_path):
  tr = trainer(model_cfg(name="fcn", hidden_layers=1, width=64), 400, tol=1e-2)
  keys = program.seed_keys(0, range(2))
  opts = loop.RunOptions(stop_when_fitted=True, checkpoint_dir=str(tmp_path / "c"),
                          checkpoint_minutes=0)
  first = loop.train(tr, keys, 400, 20, options=opts)
  again = loop.train(tr, keys, 400, 20, options=opts)  # e.g. a crash before results were written
  assert first.steps_run < 400 and again.resumed_from_step == first.steps_run
  assert again.steps_run == first.steps_run
  np.testing.assert_array_equal(again.loss_steps, first.loss_steps)
  assert_same_run(again, first)


def test_collapsed_marks_a_net_whose_output_does_not_depend_on_its_input():
  dead, tx = DeadMiddle(), optax.sgd(0.05, momentum=0.9)
  params = dead.init(jax.random.key(0), X2)
  for x in (X2, X2[:1]):  # one image too: its negative is the second input
    assert bool(program.Trainer(dead, tx, x, 1e-3).collapsed(params))
  for mcfg in (model_cfg(name="fcn", hidden_layers=1, width=16), model_cfg()):  # live FCN, ConvNet
    for x in (X2, X2[:1]):
      alive = program.Trainer(models.build_model(mcfg), tx, x, 1e-3)
      assert not bool(alive.collapsed(alive.init_params(jax.random.key(0))))
  zero = program.Trainer(dead, tx, 0 * X2[:1], 1e-3)  # one input only: nothing to compare
  assert not bool(zero.collapsed(params))


def test_a_run_stops_once_every_seed_froze_and_the_stop_changes_no_outcome(tmp_path):
  tr, keys = program.Trainer(DeadMiddle(), optax.sgd(0.05, momentum=0.9), X2, 1e-3), \
      program.seed_keys(0, range(2))
  full = loop.train(tr, keys, 4000, 20)
  opts = loop.RunOptions(stop_when_fitted=True, checkpoint_dir=str(tmp_path / "c"),
                         checkpoint_minutes=0)
  seen = []
  early = loop.train(tr, keys, 4000, 20, progress=seen.append, options=opts)
  assert full.status == early.status == ["not_fitted", "not_fitted"]
  # stopped at the first chunk end where both seeds' loss held still for SETTLE_STEPS
  assert loop.SETTLE_STEPS < early.steps_run < 4000 and seen[-1]["frozen"] == 2
  np.testing.assert_array_equal(early.seeds.loss_history,
                                full.seeds.loss_history[:, :len(early.loss_steps)])
  np.testing.assert_allclose(early.seeds.final_loss, full.seeds.final_loss, rtol=loop.SETTLE_RTOL)
  again = loop.train(tr, keys, 4000, 20, options=opts)  # resumed: keeps the stop
  assert again.steps_run == early.steps_run
  assert_same_run(again, early)


def test_a_one_image_run_stops_once_every_seed_froze_and_a_flat_output_that_can_fit_is_not_frozen():
  """One training image: a dead net whose output is one number (it cannot draw the image) freezes
  and the run stops; a dead net whose last layer can draw the image fits it instead."""
  tx, keys = optax.sgd(0.05, momentum=0.9), program.seed_keys(0, range(2))
  opts = loop.RunOptions(stop_when_fitted=True)
  flat = program.Trainer(DeadFlat(), tx, X2[:1], 1e-3)
  full, seen = loop.train(flat, keys, 4000, 20), []
  early = loop.train(flat, keys, 4000, 20, progress=seen.append, options=opts)
  assert full.status == early.status == ["not_fitted", "not_fitted"]
  assert loop.SETTLE_STEPS < early.steps_run < 4000 and seen[-1]["frozen"] == 2
  np.testing.assert_allclose(early.seeds.final_loss, full.seeds.final_loss, rtol=loop.SETTLE_RTOL)
  drawn, seen = program.Trainer(DeadMiddle(), tx, X2[:1], 1e-3), []
  fits = loop.train(drawn, keys, 4000, 20, progress=seen.append, options=opts)
  assert fits.status == ["fitted", "fitted"] and not any(p["frozen"] for p in seen)


def test_seeds_that_may_still_fit_do_not_freeze():
  """A net with a live path, below the tolerance never, runs the budget."""
  tx, opts = optax.sgd(0.05, momentum=0.9), loop.RunOptions(stop_when_fitted=True)
  alive = program.Trainer(models.build_model(model_cfg(name="fcn", hidden_layers=1, width=16)), tx,
                          X2, 0.0)
  assert loop.train(alive, program.seed_keys(0, range(2)), 2000, 10, options=opts).steps_run == 2000


def test_stopping_waits_for_the_slowest_seed():
  """Stops only when ALL seeds are done; a diverged seed counts as done, not as fitted."""
  tr = trainer(model_cfg(name="fcn", hidden_layers=1, width=64), 100, tol=1e-12)
  res = loop.train(tr, program.seed_keys(0, range(2)), 100, 10,
                    options=loop.RunOptions(stop_when_fitted=True))
  assert res.steps_run == 100 and res.status == ["not_fitted", "not_fitted"]


@pytest.mark.parametrize("chunk, seeds, mcfg", [
    (1, 5, model_cfg(name="fcn", hidden_layers=1, width=32)),
    (2, 5, model_cfg(name="fcn", hidden_layers=1, width=32)),  # chunks of 2, 2 and 1
    (4, 5, model_cfg(name="fcn", hidden_layers=1, width=32)),
    # ConvNet compiles are slow: even chunks, one compiled chunk shape
    (2, 4, model_cfg(name="residual", num_layers=3, channels=4)),
    (2, 4, model_cfg(name="normalized", num_layers=2, channels=4))])
def test_seed_chunks_equal_one_run(chunk, seeds, mcfg):
  tr, keys = trainer(mcfg, 20), program.seed_keys(5, range(seeds))
  whole = loop.train(tr, keys, 20, 2)
  chunked = loop.train(tr, keys, 20, 2, options=loop.RunOptions(seed_chunk=chunk))
  assert_close_run(chunked, whole)
  for x, y in zip(jax.tree.leaves(whole.seeds.init_params), jax.tree.leaves(chunked.seeds.init_params)):
    np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


def test_out_of_memory_retries_in_smaller_chunks(monkeypatch):
  """A run that runs out of memory with more than 2 seeds at once is redone 2 at a time."""
  real, sizes = loop._train_seeds, []

  def fake(trainer, keys, *args):
    sizes.append(len(keys))
    if len(keys) > 2:
      raise RuntimeError("RESOURCE_EXHAUSTED: Out of memory while trying to allocate 1.0TiB")
    return real(trainer, keys, *args)
  tr, keys = trainer(model_cfg(name="fcn", hidden_layers=1, width=32), 20), program.seed_keys(5, range(5))
  whole = loop.train(tr, keys, 20, 2)
  monkeypatch.setattr(loop, "_train_seeds", fake)
  retried = loop.train(tr, keys, 20, 2)
  assert sizes == [5, 3, 2, 2, 1]
  assert_close_run(retried, whole)
  with pytest.raises(RuntimeError, match="something else"):
    monkeypatch.setattr(loop, "_train_seeds", lambda *a: (_ for _ in ()).throw(
        RuntimeError("something else")))
    loop.train(tr, keys, 20, 2)


def test_bad_seed_chunk():
  tr = trainer(model_cfg(name="fcn", hidden_layers=1, width=8), 2)
  with pytest.raises(ConfigError, match="train.seed_chunk"):
    loop.train(tr, program.seed_keys(0, [0]), 2, 1, options=loop.RunOptions(seed_chunk=-1))


def test_sharded_training_equals_unsharded_on_8_devices():
  """Every model family, 5 seeds padded to 8 devices, vmapped and sequential within each device."""
  env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=8",
             JAX_PLATFORMS="cpu")
  out = subprocess.run([sys.executable, str(HERE / "sharding_check.py")], env=env,
                       capture_output=True, text=True, timeout=600)
  assert out.returncode == 0, out.stdout + out.stderr
  assert "devices 8" in out.stdout
  for family in ("convnet", "convnet_nobias", "relu_fcn", "linear_fcn", "residual", "normalized"):
    assert f"{family} ok" in out.stdout, out.stdout
  assert "auto ok" in out.stdout and "frozen stop ok" in out.stdout, out.stdout
