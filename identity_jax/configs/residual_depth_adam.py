r"""Study (beyond the paper): residual ConvNets of 8-24 layers trained with Adam at the paper's 1e-4.

  python experiments/main.py --config=identity_jax/configs/residual_depth_adam.py:quick \
      --workdir=workdirs/residual_depth_adam

Why: under the paper's SGD (lr 0.01, momentum 0.9) every residual net of 16-24 layers diverged within
4 steps in residual_depth (results/residual_depth: each block adds a non-negative branch, so the
output and its gradients grow with depth: one seed's largest gradient entry at 16 layers was 15 at
initialization, 7,000 after one step), which leaves the
question of whether skip connections keep the identity there unanswered. Adam's steps do not scale
with the gradient. The nets are residual_depth's (14x14, 16 channels), 8 independent seeds a cell;
8 layers repeats a depth where SGD gave the identity, to see what the optimizer alone changes.
Expected (ours, registered as a claim in identity_jax/reporting/claims.py before any run): no seed
diverges and at least 90% fit at every depth, and the nets stay the identity at every depth.
Runtime: quick 6 min of training on the 2-core CPU (measured: results/residual_depth_adam/summary.json
timing; every seed fitted within 7,000 steps, 24 layers 2 min).
Presets: quick as above; tiny for the tests; paper: 128 channels and 28x28 (a GPU job).
"""

import ml_collections

from identity_jax.configs.residual_depth import family_depth_sweep

DEPTHS = dict(paper=(8, 12, 16, 20, 24), quick=(8, 12, 16, 20, 24), tiny=(3,))


def get_config(preset: str = "quick") -> ml_collections.ConfigDict:
  return adam_depth_sweep("residual", preset, "residual_depth_adam")


def adam_depth_sweep(family: str, preset: str, name: str) -> ml_collections.ConfigDict:
  """The family at DEPTHS under Adam at 1e-4 (14x14, 16 channels), 8 seeds a cell."""
  c = family_depth_sweep(family, preset, name=name, depths=DEPTHS, num_seeds=8)
  c.optim.name, c.optim.learning_rate = "adam", 1e-4
  return c
