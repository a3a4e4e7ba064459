r"""Study (ours): multi_image_deep's 20-layer ConvNet on 2 and 3 images, with three times the budget.

  python experiments/main.py --config=identity_jax/configs/multi_image_deep_long.py:quick \
      --workdir=workdirs/multi_image_deep_long

In multi_image_deep (20,000 steps) every seed of these two cells ended dead (a flat output), but
their losses were still moving at steps 14,000-18,000, four seeds to the end, and the paper schedule
had cut the rate fivefold at step 6,000 (30% of the budget) for seeds not yet fitted. The 2-image
9-hidden-layer FCN of the same study sat for ~4,000 steps at one loss shared by every seed and then
fitted all 8. So "dead" there may be a plateau the budget ended. Here: 60,000 steps (full rate up to
step 18,000), same net (20 layers, 16 channels, 14x14), 8 new independent seeds a cell.
Expected (paper, App. J): deep nets memorize 2-3 images as they do one. Ours (registered as a claim
before any run): both cells fit on at least 90% of seeds and learn the constant map.
Runtime: quick 30-45 min a cell on the 2-core CPU (measured 2026-12-06, Intel Xeon: 4 seeds of
conv_c20_k2 in 878 s alone at 277-284 seed-steps/s; its 8 seeds 2,485 s, tests sharing the cores at
times), trained in blocks of 4 seeds (--max_new_seeds=4). paper: a GPU job.
"""

import ml_collections

from identity_jax.configs import multi_image_deep


def get_config(preset: str = "quick") -> ml_collections.ConfigDict:
  c = multi_image_deep.get_config(preset)
  c.name = c.name.replace("multi_image_deep", "multi_image_deep_long")  # tiny keeps its suffix
  c.cells = ml_collections.ConfigDict({k: v for k, v in c.cells.to_dict().items()
                                       if k in ("conv_c20_k2", "conv_c20_k3")})
  if preset == "quick":
    c.train.num_steps = 60000
  return c
