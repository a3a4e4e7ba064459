r"""Study (beyond the paper): plain ConvNets of 8-24 layers trained with Adam at the paper's 1e-4.

  python experiments/main.py --config=identity_jax/configs/plain_depth_adam.py:quick \
      --workdir=workdirs/plain_depth_adam

Why: under Adam the residual nets of residual_depth_adam never reach the constant map (identity to
12 layers, neither at 16-24), where the plain nets of plain_depth are constant from 10 layers under
SGD. Whether that is the skip connections or Adam is open: this runs the plain nets (plain_depth's:
14x14, 16 channels) under residual_depth_adam's optimizer, depths and seed count (8 independent
seeds a cell), so the two families compare under one optimizer.
Expected (ours, registered as a claim in identity_jax/reporting/claims.py before any run): the plain
nets still memorize under Adam: constant at 16, 20 and 24 layers (optimizers_deep's 12-layer
32-channel nets under Adam split between constant and neither, so 8 and 12 layers are left open).
Runtime: quick 30 min of training on the 2-core CPU (measured: results/plain_depth_adam/summary.json
timing; 2-9 min a cell, every seed fitted).
Presets: quick as above; tiny for the tests; paper: 128 channels and 28x28 (a GPU job).
"""

import ml_collections

from identity_jax.configs.residual_depth_adam import adam_depth_sweep


def get_config(preset: str = "quick") -> ml_collections.ConfigDict:
  return adam_depth_sweep("convnet", preset, "plain_depth_adam")
