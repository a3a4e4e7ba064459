"""Run with 8 (fake CPU) devices: sharded training must equal unsharded training for every family.

Not a test module itself (its name does not start with test_): test_training_loop.py runs it in a
subprocess, because the device count is fixed when jax starts.
"""

import dataclasses
import logging

import jax
import numpy as np
import optax
from helpers import X2, DeadMiddle, model_cfg, trainer

from identity_jax.training import loop, program

FAMILIES = {  # 2 layers: a first and a top layer, each form's shapes; fewer would only add compile time
    "convnet": model_cfg(num_layers=2, channels=4),
    # bias-free layers take the 'flipped' form, a custom_vjp (the image is shared across seeds)
    "convnet_nobias": model_cfg(num_layers=2, channels=4, use_bias=False),
    # 32 channels take the 'nhwc' form, a custom_vjp of XLA's own convolutions
    "convnet_nhwc": model_cfg(num_layers=2, channels=32),
    "relu_fcn": model_cfg(name="fcn", hidden_layers=2, width=32),
    "linear_fcn": model_cfg(name="fcn", hidden_layers=1, width=32, activation="linear"),
    "residual": model_cfg(name="residual", num_layers=3, channels=4),  # stem, one block, head
    "normalized": model_cfg(name="normalized", num_layers=2, channels=4),
}
# Seeds one after another on each device is the loop's doing, whatever the model: two families check it.
SEQUENTIAL_PER_DEVICE = ("convnet", "relu_fcn")

print("devices", jax.device_count())
warnings = []
logging.getLogger().addHandler(type("H", (logging.Handler,), {"emit": lambda self, r: warnings.append(
    r.getMessage())})())
keys = program.seed_keys(0, range(5))
for family, mcfg in FAMILIES.items():
  tr = trainer(mcfg, 30)
  ref = loop.train(tr, keys, 30, 3, options=loop.RunOptions(shard=False, seeds_per_vmap="all"))
  for per_device in ("all", 1) if family in SEQUENTIAL_PER_DEVICE else ("all",):
    res = loop.train(tr, keys, 30, 3, options=loop.RunOptions(shard=True,
                                                                 seeds_per_vmap=per_device))
    assert res.seeds.loss_history.shape == ref.seeds.loss_history.shape == (5, 4)
    for a, b in zip(jax.tree.leaves(ref.seeds.params), jax.tree.leaves(res.seeds.params)):
      assert a.shape == b.shape, (family, a.shape, b.shape)
      scale = float(np.abs(np.asarray(a)).max())
      np.testing.assert_allclose(np.asarray(b), np.asarray(a), rtol=1e-5, atol=1e-6 * scale,
                                 err_msg=family)
    # every layer really trained on every seed (the failure mode jit + NamedSharding showed for ConvNets on jax 0.10.2)
    for a, b in zip(jax.tree.leaves(ref.seeds.init_params), jax.tree.leaves(res.seeds.params)):
      assert np.all(np.abs(np.asarray(b) - np.asarray(a)).reshape(5, -1).max(axis=1) > 0), family
  print(family, "ok")
# 5 seeds on 8 devices: padded, and the user told why and how to avoid it.
assert any("5 seeds do not divide the 8 devices: padded to 8" in w and "fix:" in w for w in warnings)
# Auto sharding (shard=None) uses no more devices than seeds: 1 seed runs unsharded, 3 seeds on 3
# devices without padding; shard=True takes every device.
assert loop.seed_mesh(None, 1) is None
assert loop.seed_mesh(None, 3).size == 3 and loop.seed_mesh(True, 3).size == 8
assert loop.seed_mesh(False, 8) is None and loop.seed_mesh(None, 20).size == 8
warnings.clear()
tr = trainer(FAMILIES["convnet"], 30)
ref = loop.train(tr, keys[:3], 30, 3, options=loop.RunOptions(shard=False))
res = loop.train(tr, keys[:3], 30, 3)
for a, b in zip(jax.tree.leaves(ref.seeds.params), jax.tree.leaves(res.seeds.params)):
  np.testing.assert_allclose(np.asarray(b), np.asarray(a), rtol=1e-5,
                             atol=1e-6 * float(np.abs(np.asarray(a)).max()))
assert not any("padded" in w for w in warnings), warnings
print("auto ok")
# The frozen-seed stop reads Trainer.collapsed through a sharded program, as the loss: same stop.
dead = program.Trainer(DeadMiddle(), optax.sgd(0.05, momentum=0.9), X2, 1e-3)
stop = loop.RunOptions(stop_when_fitted=True)
ref = loop.train(dead, keys, 4000, 20, options=dataclasses.replace(stop, shard=False))
res = loop.train(dead, keys, 4000, 20, options=dataclasses.replace(stop, shard=True))
assert ref.steps_run == res.steps_run < 4000, (ref.steps_run, res.steps_run)
print("frozen stop ok")
