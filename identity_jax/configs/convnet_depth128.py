r"""Study: ConvNets at the paper's 128 channels, 5-16 layers (Fig 3a, 9 at the paper's width).

  python experiments/main.py --config=identity_jax/configs/convnet_depth128.py:quick \
      --workdir=workdirs/convnet_depth128

Runtime: quick 160 min on the 2-core CPU for 5-12 layers (24 seeds; 5 layers 10 min, 8 layers 31,
12 layers about 2 h for its 8,000 steps at the 9-10.5 seed-steps/s measured; results/
convnet_depth128/summary.json timing); 16 layers ran its first 1,200 steps at 4 seed-steps/s on
two cores, so its 12,000-step cap is up to ~7 h (a rerun resumes from its checkpoint); paper (2M
steps, depths 5-24): a GPU job, not yet run.
Expected (paper): at 128 channels the identity holds to ~10-14 layers, weakening with depth, before
the deep nets turn constant. `convnet_depth` runs the depth sweep at 32 channels on the CPU; this
study checks the shallow and middle depths at the paper's own width, where 32-channel nets of 12
layers mostly died or did not fit: is that the width or the depth?
What the quick preset reproduces: its row in RESULTS.md, generated from results/convnet_depth128/.
"""

import ml_collections

from identity_jax.config import check_preset
from identity_jax.configs.convnet_depth import depth_sweep

DEPTHS = dict(paper=(5, 8, 12, 16, 20, 24), quick=(5, 8, 12, 16), tiny=(1, 2))


def get_config(preset: str = "quick") -> ml_collections.ConfigDict:
  check_preset(preset)
  # 12 layers: 4,000 steps fitted 4/8; the other 4 were still falling when the paper schedule's
  # decays began (30% of the budget), so they get a constant phase twice as long. 16 layers: the
  # 12-layer seeds fitted at steps up to ~2,300, near that cap of 2,400, so 16 gets a cap of 3,600
  # (the run stops once every seed has finished its paper schedule, so the cap costs only if used).
  return depth_sweep("convnet_depth128", preset, dict(paper=128, quick=128, tiny=8)[preset],
                     DEPTHS[preset], num_steps=4000, cell_steps=dict(c12=8000, c16=12000))
