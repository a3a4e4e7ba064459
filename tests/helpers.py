"""Small configs and trainers the tests share (a module, not a test file: pytest collects none here)."""

import jax
import ml_collections

from identity_jax import models
from identity_jax.study import cell
from identity_jax.training import optim, program


def model_cfg(**kw):
  """A model section: a small ConvNet, or with name='fcn' a small FCN, with these fields changed."""
  c = dict(name="fcn", hidden_layers=2, width=16) if kw.get("name") == "fcn" else \
      dict(name="convnet", num_layers=3, channels=4)
  c.update(kw)
  return ml_collections.ConfigDict(c)


def optim_cfg(**kw) -> cell.OptimConfig:
  return cell.OptimConfig(**dict(dict(schedule="compressed"), **kw))


X = jax.random.normal(jax.random.key(42), (1, 8, 8))


def trainer(mcfg, num_steps=30, tx=None, tol=1e-3):
  return program.Trainer(models.build_model(mcfg), tx or optim.make_optimizer(optim_cfg(), num_steps),
                       X, tol)
