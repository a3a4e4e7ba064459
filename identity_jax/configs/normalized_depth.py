r"""Study (beyond the paper): Normalized plain ConvNets of 1..24 layers on the 14x14 "7", 16 channels, 16 seeds a cell.

  python experiments/main.py --config=identity_jax/configs/normalized_depth.py:quick \
      --workdir=workdirs/normalized_depth

The nets: plain ConvNets with GroupNorm (4 groups) after each hidden convolution (models/normalized.py). The question the paper leaves: does the identity crisis of deep plain ConvNets
(constant from ~15-20 layers, dead nets in our runs) survive today's architectures?
Expected (ours, registered as a claim in identity_jax/reporting/claims.py before any run):
normalized nets train (fit) at every depth, where plain 32-channel ones die from 12 layers on; whether they turn constant with depth is left open (a trend is not registered).
Runtime: quick 50 min of training on the 2-core CPU (measured: results/normalized_depth/summary.json
timing, at times sharing the CPU; 16, 20 and 24 layers 11, 15 and 17 min of it, the cells up to 12
layers under 4 min each).
Presets: quick as above; tiny for the tests; paper: the same at 128 channels and 28x28 (a GPU job).
"""

import ml_collections

from identity_jax.configs.residual_depth import family_depth_sweep


def get_config(preset: str = "quick") -> ml_collections.ConfigDict:
  return family_depth_sweep("normalized", preset)  # the same sweep as residual_depth's
