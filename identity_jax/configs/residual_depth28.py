r"""Study (beyond the paper): residual ConvNets of 12, 16 and 20 layers at 28x28 and 32 channels, 8 seeds a cell.

  python experiments/main.py --config=identity_jax/configs/residual_depth28.py:quick \
      --workdir=workdirs/residual_depth28

The 28x28 column of residual_depth: the depths where the plain 32-channel ConvNets of convnet_depth
(the same image size and width) lose seeds to dead outputs or fit too few within budget. The nets
are residual_depth's (models/residual.py) under the same SGD (lr 0.01, momentum 0.9), the paper's
schedule and 20,000 steps, 8 independent seeds a cell (as convnet_depth).
Expected (ours, registered as a claim in identity_jax/reporting/claims.py before any run): what the
14x14 study found (results/residual_depth) holds at the larger image and width: not the identity
at 12 layers, and every seed diverges under SGD at 16 and 20 layers (unfit).
Runtime: quick 1 min of training on the 2-core CPU and about 3 min evaluating each cell (measured:
results/residual_depth28/summary.json timing; every seed diverged within 200 steps). A 400-step
timing run of the 16-layer cell came after this expectation was written and before the claim was
committed, and is not a result (it too diverged on every seed).
Presets: quick as above; tiny for the tests; paper: 128 channels (a GPU job).
"""

import ml_collections

from identity_jax.configs.residual_depth import family_depth_sweep

DEPTHS = dict(paper=(12, 16, 20), quick=(12, 16, 20), tiny=(3,))


def get_config(preset: str = "quick") -> ml_collections.ConfigDict:
  return family_depth_sweep("residual", preset, name="residual_depth28", depths=DEPTHS,
                            quick_size=28, quick_channels=32, num_seeds=8)
