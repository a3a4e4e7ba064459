r"""Study (beyond the paper): plain ConvNets of 1..24 layers on the 14x14 "7", 16 channels, 16 seeds a cell.

  python experiments/main.py --config=identity_jax/configs/plain_depth.py:quick \
      --workdir=workdirs/plain_depth

The reference for residual_depth and normalized_depth: the paper's plain ConvNet (models/convnet.py)
under the same sweep, budget and seed count, so the three families compare depth for depth
(independent seeds, not paired). phase_diagram's 16-channel row measured 1-12 layers with 8-16 seeds;
this adds 16, 20 and 24.
Expected (ours, registered as a claim in identity_jax/reporting/claims.py before any run): the
phase diagram's 16-channel row again (identity to 4 layers, neither at 6 and 8, constant from 10),
and constant at 16-24 layers.
Runtime: quick 142 min of training on the 2-core CPU and more (measured: results/plain_depth/summary.json
timing, at times sharing the CPU; 10-24 layers 15-46 min each, 24 layers only the resumed half; the
cells up to 8 layers minutes).
Presets: quick as above; tiny for the tests; paper: the same at 128 channels and 28x28 (a GPU job).
"""

import ml_collections

from identity_jax.configs.residual_depth import family_depth_sweep


def get_config(preset: str = "quick") -> ml_collections.ConfigDict:
  return family_depth_sweep("convnet", preset, name="plain_depth")
