"""Small configs and trainers the tests share (a module, not a test file: pytest collects none here)."""

import gzip
import pathlib

import flax.linen as nn
import jax
import jax.numpy as jnp
import ml_collections
import numpy as np

from identity_jax import models
from identity_jax.study import cell, results
from identity_jax.training import optim, program


def model_cfg(**kw):
  """A model section: a small ConvNet (or residual / normalized one), or with name='fcn' a small
  FCN, with these fields changed."""
  c = dict(name="fcn", hidden_layers=2, width=16) if kw.get("name") == "fcn" else \
      dict(name=kw.get("name", "convnet"), num_layers=3, channels=4)
  c.update(kw)
  return ml_collections.ConfigDict(c)


def optim_cfg(**kw) -> cell.OptimConfig:
  return cell.OptimConfig(**dict(dict(schedule="compressed"), **kw))


X = jax.random.normal(jax.random.key(42), (1, 8, 8))


class DeadMiddle(nn.Module):
  """An FCN whose middle layer has every unit off for any input in [0, 1] (bias -100): its output is
  one image whatever the input, and no gradient reaches below that layer."""
  @nn.compact
  def __call__(self, x):
    h = nn.relu(nn.Dense(8)(x.reshape(x.shape[0], -1)))
    h = nn.relu(nn.Dense(8, bias_init=nn.initializers.constant(-100.0))(h))
    return nn.Dense(x.shape[-2] * x.shape[-1])(h).reshape(x.shape)


class DeadFlat(nn.Module):
  """DeadMiddle with one output number spread over the image: its output depends on nothing, and
  a flat image cannot fit a non-flat one, so it can never fit."""
  @nn.compact
  def __call__(self, x):
    h = nn.relu(nn.Dense(8)(x.reshape(x.shape[0], -1)))
    h = nn.relu(nn.Dense(8, bias_init=nn.initializers.constant(-100.0))(h))
    return jnp.broadcast_to(nn.Dense(1)(h)[:, :, None], x.shape)


X2 = jax.random.uniform(jax.random.key(7), (2, 4, 4))  # two distinct images in [0, 1]


def trainer(mcfg, num_steps=30, tx=None, tol=1e-3):
  return program.Trainer(models.build_model(mcfg), tx or optim.make_optimizer(optim_cfg(), num_steps),
                       X, tol)


def seed_record(status, ci, cc, loss=1e-4):
  """A result.json seed with these correlations on patterns."""
  m = dict(corr_identity=ci, corr_constant=cc, cos_identity=ci, cos_constant=cc,
           mse_identity=0.1, mse_constant=0.2)
  return dict(seed=0, status=status, final_loss=loss, fitted_at=10 if status == "fitted" else -1,
              diverged_at=5 if status == "diverged" else -1, output_spread=0.5,
              init_output_spread=0.5, dead_at_init=False, suites={"patterns": m})


RULE = dict(regime_suite="patterns", regime_threshold=0.5)


def cell_result(seeds):
  """A CellResult of these seed records, classified under RULE."""
  return results.CellResult.from_json(dict(
      cell="c", seeds=seeds, config=dict(metrics=RULE), data_sources={}, steps_run=10,
      timing=dict(train_seconds=1.0, compile_seconds=0.5, seed_steps_per_second=160.0)))


def write_idx(path, array: np.ndarray) -> None:
  """Writes a uint8 array as IDX (gzip when the name ends in .gz): the files data/idx.py reads."""
  array = np.asarray(array, dtype=np.uint8)
  header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
      int(n).to_bytes(4, "big") for n in array.shape)
  data = header + array.tobytes()
  path = pathlib.Path(path)
  path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)
