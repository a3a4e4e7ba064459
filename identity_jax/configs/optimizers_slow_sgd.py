r"""Study: SGD at 1e-3 and 1e-4 (Fig 30's slow rates) on the 5-layer ConvNet, at budgets where they fit.

  python experiments/main.py --config=identity_jax/configs/optimizers_slow_sgd.py:quick \
      --workdir=workdirs/optimizers_slow_sgd

In `optimizers` (2,000 steps) neither fitted a seed; SGD at 1e-2 fitted at step 834 on average
(results/optimizers), so with steps 10x and 100x smaller they need ~8,000 and ~80,000 steps, and the
paper schedule keeps the full rate for 30% of the budget: 30,000 and 300,000 steps. Same net as
`optimizers` (5 layers, 32 channels, 28x28), 8 independent seeds a cell.
Expected (paper): nothing stated; Fig 30 shows them "For comparison". Ours (registered as a claim
before any run): at these budgets both fit (at least 90% of seeds); their regimes are reported.
Runtime: quick 96 min on the 2-core CPU (measured: results/optimizers_slow_sgd/summary.json timing;
sgd_1e-03 18 min at 227 seed-steps/s while the test suite shared the CPU, sgd_1e-04 79 min at 509).
paper: a GPU job.
"""

import ml_collections

from identity_jax.configs.optimizers import optimizer_cells
from identity_jax.study.config import apply_preset, base_config, check_preset

SLOW = ("sgd_1e-03", "sgd_1e-04")


def get_config(preset: str = "quick") -> ml_collections.ConfigDict:
  check_preset(preset)
  c = base_config()
  c.name = "optimizers_slow_sgd"
  c.model.convnet.num_layers = 5
  c.model.convnet.channels = dict(paper=128, quick=32, tiny=8)[preset]
  c.cells = ml_collections.ConfigDict({k: v for k, v in optimizer_cells().items() if k in SLOW})
  return apply_preset(c, preset, num_seeds=8, num_steps=30000,
                      cell_steps={"sgd_1e-04": 300000})
