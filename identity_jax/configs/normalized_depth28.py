r"""Study (beyond the paper): normalized ConvNets of 12, 16 and 20 layers at 28x28 and 32 channels, 8 seeds a cell.

  python experiments/main.py --config=identity_jax/configs/normalized_depth28.py:quick \
      --workdir=workdirs/normalized_depth28

The 28x28 column of normalized_depth: the depths where the plain 32-channel ConvNets of
convnet_depth (the same image size and width) lose seeds to dead outputs or fit too few within
budget. The nets are normalized_depth's (GroupNorm, models/normalized.py) under the paper's SGD,
schedule and 20,000 steps, 8 independent seeds a cell (as convnet_depth).
Expected (ours, registered as a claim in identity_jax/reporting/claims.py before any run): every
depth fits (where plain nets do not), and, as on the 14x14 image from 12 layers, the nets learn the
constant map at 16 and 20 layers; the 12-layer regime is left open (at 28x28 plain nets are still
the identity at 8 layers, so the band may sit deeper than at 14x14).
Runtime: quick 69 min of training on the 2-core CPU (measured: results/normalized_depth28/summary.json
timing; 16-20 min a cell, 75-165 seed-steps/s). A 400-step timing run of the 16-layer cell came after
this expectation was written and before the claim was committed, and is not a result; it showed 4
of 8 seeds diverged by step 400 (the expectation was kept as written).
Presets: quick as above; tiny for the tests; paper: 128 channels (a GPU job).
"""

import ml_collections

from identity_jax.configs.residual_depth import family_depth_sweep
from identity_jax.configs.residual_depth28 import DEPTHS


def get_config(preset: str = "quick") -> ml_collections.ConfigDict:
  return family_depth_sweep("normalized", preset, name="normalized_depth28", depths=DEPTHS,
                            quick_size=28, quick_channels=32, num_seeds=8)
