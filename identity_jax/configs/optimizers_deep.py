r"""Study: the optimizers of Fig 30 at a depth where SGD learns the constant map.

  python experiments/main.py --config=identity_jax/configs/optimizers_deep.py:quick \
      --workdir=workdirs/optimizers_deep

Runtime: quick 66 min on the 2-core CPU (80 seeds, 20,000-step budget; training only, measured:
results/optimizers_deep/summary.json timing): 4 cells of 8 seeds 23 min, Adam, Adamax and RMSprop
with 16 seeds 14-15 min each; paper (2M steps, 20 layers x 128 channels, 28x28): a GPU job, not
yet run.
Expected (paper): "different optimizers find different global minimizers, and those minimizers show
drastically different inductive biases on test examples" (Fig 30). At 5 layers (`optimizers`) every
optimizer that fitted learned the identity, so there is nothing to tell apart; here SGD 0.01 is
constant (train_sizes' s14_c12: constant 8/8), so an optimizer with another bias shows as another
regime. The claim is tested on the optimizers that fitted at 5 layers (SGD 0.01, Adam, RMSprop,
Adamax); SGD 1e-3 / 1e-4 and Adagrad take 10-100x smaller steps and fitted nothing there.
What the quick preset reproduces: its row in RESULTS.md, generated from results/optimizers_deep/.
"""

import ml_collections

from identity_jax.configs.optimizers import optimizer_cells
from identity_jax.study.config import apply_preset, base_config, check_preset


def get_config(preset: str = "quick") -> ml_collections.ConfigDict:
  check_preset(preset)
  c = base_config()
  c.name = "optimizers_deep"
  c.model.convnet.num_layers = dict(paper=20, quick=12, tiny=2)[preset]
  c.model.convnet.channels = dict(paper=128, quick=32, tiny=8)[preset]
  c.data.image_size = dict(paper=28, quick=14, tiny=14)[preset]
  c.cells = optimizer_cells()
  # 16 seeds where the first 8 split across regimes (Adam 6/2, Adamax 4/4, RMSprop 1/7).
  split = {name: 16 for name in ("adam_1e-04", "adamax_1e-03", "rmsprop_1e-04")}
  return apply_preset(c, preset, num_seeds=8, num_steps=20000, cell_seeds=split)
