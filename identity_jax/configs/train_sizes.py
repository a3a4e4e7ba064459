r"""Study: ConvNets of several depths trained on the "7" at 7x7, 14x14 and 28x28 (Fig 4a).

  python experiments/main.py --config=identity_jax/configs/train_sizes.py:quick \
      --workdir=workdirs/train_sizes

Runtime: quick 16 min on the 2-core CPU (120 seeds in all, paper schedule, measured: results/train_sizes/summary.json timing); paper: a GPU job, not yet run.
Expected (paper): at every size, deeper nets are more constant and less identity; smaller training
images accentuate it (a 7x7 net turns constant at a smaller depth). Figure: sweep_corr.png (one curve
per training size over depth). Test images are resized to the training size.
What the quick preset reproduces: its rows in RESULTS.md, generated from results/train_sizes/
(earlier 2-seed runs counted unfitted seeds and were withdrawn).
"""

import ml_collections

from identity_jax.study.config import apply_preset, base_config, check_preset, model


def get_config(preset: str = "quick") -> ml_collections.ConfigDict:
  check_preset(preset)
  c = base_config()
  c.name = "train_sizes"
  channels = dict(paper=128, quick=32, tiny=8)[preset]
  depths = dict(paper=(1, 3, 5, 8, 12, 16, 20), quick=(1, 3, 5, 8, 12), tiny=(1, 2))[preset]
  sizes = (7, 14, 28) if preset != "tiny" else (7, 14)
  c.cells = ml_collections.ConfigDict({
      f"s{s}_c{d}": {"model": model("convnet", num_layers=d, channels=channels),
                     "data": dict(image_size=s)}
      for s in sizes for d in depths})
  c.plots.sweep = "model.num_layers"
  c.plots.group_by = "data.image_size"
  # 7x7 and 14x14 nets of 8+ layers get 20,000 steps (cheap at those sizes): at 2,000 they ended
  # near the tolerance, their learning rate decayed from step 600 on; 28x28 ones cost 16x (not yet).
  steps = {f"s{s}_c{d}": 20000 for s in (7, 14) for d in depths if d >= 8}
  return apply_preset(c, preset, num_seeds=8, num_steps=2000,  # tiny: cells keep their sizes
                      cell_steps=steps)
