r"""Study: optimizers with the paper's learning rates on a 5-layer ConvNet (Fig 30).

  python experiments/main.py --config=identity_jax/configs/optimizers.py:quick \
      --workdir=workdirs/optimizers

Runtime: quick 6 min on the 2-core CPU (56 seeds in all, paper schedule, measured: results/optimizers/summary.json timing); paper: a GPU job, not yet run.
SGD (momentum 0.9) at 1e-2, 1e-3, 1e-4; Adagrad and Adamax at 1e-3; Adam and RMSprop at 1e-4; all
with the paper schedule. The paper does not say which depth Fig 30 used; we take 5 layers.
Expected (paper): different optimizers reach different global minima with very different biases on
test inputs.
Quick does NOT reproduce the claim at 5 layers (all optimizers give the identity); see RESULTS.md.
"""

import ml_collections

from identity_jax.study.config import apply_preset, base_config, check_preset

OPTIMIZERS = (("sgd", 1e-2), ("sgd", 1e-3), ("sgd", 1e-4), ("adagrad", 1e-3), ("rmsprop", 1e-4),
              ("adam", 1e-4), ("adamax", 1e-3))


def optimizer_cells() -> ml_collections.ConfigDict:
  """A cell per optimizer and learning rate, named like `adam_1e-04`."""
  return ml_collections.ConfigDict({
      f"{name}_{lr:.0e}": {"optim": dict(name=name, learning_rate=lr)} for name, lr in OPTIMIZERS})


def get_config(preset: str = "quick") -> ml_collections.ConfigDict:
  check_preset(preset)
  c = base_config()
  c.name = "optimizers"
  c.model.convnet.num_layers = 5
  c.model.convnet.channels = dict(paper=128, quick=32, tiny=8)[preset]
  c.cells = optimizer_cells()
  return apply_preset(c, preset, num_seeds=8, num_steps=2000)
