r"""Study: ConvNets at the paper's 128 channels, 5-24 layers (Fig 3a, 9 at the paper's width).

  python experiments/main.py --config=identity_jax/configs/convnet_depth128.py:quick \
      --workdir=workdirs/convnet_depth128

Runtime: quick 160 min on the 2-core CPU for 5-12 layers before the 'nhwc' convolution form (24
seeds; 5 layers 10 min, 8 layers 31, 12 layers about 2 h for its 8,000 steps at the 9-10.5
seed-steps/s measured; results/convnet_depth128/summary.json timing). The 'nhwc' form trains 128
channels 1.3-1.5x faster (benchmarks/RESULTS.md): 16 layers at 12,000 steps took 4.2 h (measured,
one seed a block), 20 layers at up to 20,000 steps 7.9 h (28,594 s measured, two CI pauses of 11-12
min included), 24 layers 13.8 h (49,772 s measured over two machines, five CI pauses of 13-14 min
and ~35 min of shared cores included) on two cores (the run stops once every seed has finished its
paper schedule; a rerun resumes from its checkpoint, so these cells run across sessions). Paper (2M
steps): a GPU job, not yet run. 16-24 layers train one seed a block (--max_new_seeds=1): a 16-layer
seed takes 27-31 min for its 12,000 steps, a 20-layer one 52-65 min for its 20,000 (5-6
seed-steps/s), a 24-layer one 58-69 min on the Intel Xeon VM (seeds 0-2) and 98-113 min on an AMD
EPYC VM (seeds 3-7, 3.1-3.3 seed-steps/s), CI pauses excluded. c16's seeds 0-2 trained before a
dead seed on one image could stop once frozen (12d231e), so its dead seed 2 ran to the end; a dead
seed trained later stops at the first snapshot after its loss stood still for 1,000 steps (same
outcome: dead; its time and final loss are those of an earlier stop).
Expected (paper): "ConvNets with a depth of up-to-5 hidden layers learn a good approximation to the
identity function. As the depth increases, the ConvNets bias towards the constant function"
(Sec. 3); the 14-layer net "fails to learn the identity function" and the 20-layer net "learns the
constant map" (App. F, H). Registered before the 16-24-layer cells ran (2026-12-05): c20 and c24
constant (Fig 3a, 3b, 14, 22 show the 20-layer net outputting the "7"); c16 no expectation (the
paper puts the turn from edge detector to constant at ~15 layers, Fig 20). `convnet_depth` runs the
depth sweep at 32 channels, where deep nets mostly died: this study asks whether that is the width.
What the quick preset reproduces: its row in RESULTS.md, generated from results/convnet_depth128/.
"""

import ml_collections

from identity_jax.configs.convnet_depth import depth_sweep
from identity_jax.study.config import check_preset

DEPTHS = dict(paper=(5, 8, 12, 16, 20, 24), quick=(5, 8, 12, 16, 20, 24), tiny=(1, 2))


def get_config(preset: str = "quick") -> ml_collections.ConfigDict:
  check_preset(preset)
  # 12 layers: 4,000 steps fitted 4/8; the other 4 were still falling when the paper schedule's
  # decays began (30% of the budget), so they get a constant phase twice as long. 16 layers: the
  # 12-layer seeds fitted at steps up to ~2,300, near that cap of 2,400, so 16 gets a cap of 3,600
  # (the run stops once every seed has finished its paper schedule, so the cap costs only if used).
  # 20 and 24 layers: 20,000 steps, as the 32-channel nets of those depths needed (convnet_depth).
  return depth_sweep("convnet_depth128", preset, dict(paper=128, quick=128, tiny=8)[preset],
                     DEPTHS[preset], num_steps=4000,
                     cell_steps=dict(c12=8000, c16=12000, c20=20000, c24=20000))
