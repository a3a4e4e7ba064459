r"""Study: training on 1, 2, 3 and many images (Fig 1, 34-36).

  python experiments/main.py --config=identity_jax/configs/multi_image.py:quick \
      --workdir=workdirs/multi_image

Budget (quick): 1,500 steps for the FCNs, which fit in a few hundred; 6,000 for the ConvNets, each
seed stopping once its schedule ends after it fitted (1,500 steps fitted 1 of 8 one-image ConvNets).
Runtime: quick 62 min on the 2-core CPU (64 seeds in all, measured: results/multi_image/summary.json
timing): the 2,500-image ConvNet 30 min (its 6,000 steps on minibatches), the other ConvNets 16, the
FCNs 15; paper: a GPU job, not yet run.
"many" is every training image there is: the full 60k MNIST when its IDX files are present (see
README, "Data"), else the 5,000 offline digits shipped with the package (2,500 of them in its training split); the
log line "data: ..." and result.json's data_sources say which. It trains on random minibatches of 32
(8 in the quick preset; train.batch_size); the others train on all their images every step.
Expected (paper): with 2-3 images, nets that memorize one image still memorize (output one of the
training digits or a blend); with 60k images even deep ConvNets learn the identity, and FCNs learn
it on digits only ("to constant" then compares with the closest training image).
See RESULTS.md row 14 for what the quick preset shows.
"""

import ml_collections

from identity_jax.study.config import base_config, check_preset, model, tiny


def get_config(preset: str = "quick") -> ml_collections.ConfigDict:
  check_preset(preset)
  c = base_config()
  c.preset = preset
  c.name = "multi_image"
  channels, width = dict(paper=(128, 2048), quick=(32, 2048), tiny=(8, 64))[preset]
  models = {
      "fcn_h3": model("fcn", hidden_layers=3, width=width),
      "fcn_h9": model("fcn", hidden_layers=9, width=width),
      "conv_c5": model("convnet", num_layers=5, channels=channels),
      "conv_c20": model("convnet", num_layers=20, channels=channels),
  }
  if preset != "paper":
    models = {k: models[k] for k in ("fcn_h3", "conv_c5")}
  counts = {"k1": 1, "k2": 2, "k3": 3, "many": "all"}
  c.cells = ml_collections.ConfigDict({
      f"{m}_{k}": {"model": section, "data": dict(num_train=n),
                   "train": dict(batch_size=32 if n == "all" else None)}
      for m, section in models.items() for k, n in counts.items()})
  c.plots.group_by = "model.name"
  if preset == "quick":
    c.num_seeds = 8
    c.train.num_steps = 1500
    c.train.num_snapshots = 10
    for m in models:  # a ConvNet step on 32 images costs 32 one-image steps: 3 seed-steps/s
      c.cells[f"{m}_many"].train.batch_size = 8
    for k in counts:  # 1,500 steps fitted 1/8 ConvNets (loss 1.3e-3 at k=1); they fit in ~2-3k
      c.cells[f"conv_c5_{k}"].train.update(num_steps=6000, stop_when_fitted=True)
  elif preset == "paper":
    c.train.stop_when_fitted = True
  else:
    tiny(c)
  return c
