r"""Open question: do biases matter? ConvNets and FCNs of several depths, with and without biases.

  python experiments/main.py --config=identity_jax/configs/biases.py:quick --workdir=workdirs/biases

Runtime: quick 24 min on the 2-core CPU (64 seeds in all, paper schedule; the 8-layer cells, 16
seeds each, 8 and 9 min; measured: results/biases/summary.json timing, where the with-bias cell
reads 16 min because it shared the CPU with another run for most of it).
The paper does not say whether its layers have biases. If the regimes agree with and without them,
the choice does not matter for its claims.
Expected (our hypothesis): no effect. Measured: RESULTS.md, row 15 (generated from results/biases/).
"""

import ml_collections

from identity_jax.study.config import apply_preset, base_config, check_preset, model


def get_config(preset: str = "quick") -> ml_collections.ConfigDict:
  check_preset(preset)
  c = base_config()
  c.name = "biases"
  channels, width = dict(paper=(128, 2048), quick=(32, 2048), tiny=(8, 64))[preset]
  depths = (3, 8) if preset != "tiny" else (2,)
  cells = {}
  for bias in (True, False):
    tag = "bias" if bias else "nobias"
    for d in depths:
      cells[f"conv_c{d}_{tag}"] = {"model": model("convnet", num_layers=d, channels=channels,
                                                 use_bias=bias)}
    cells[f"fcn_h3_{tag}"] = {"model": model("fcn", hidden_layers=3, width=width, use_bias=bias)}
  c.cells = ml_collections.ConfigDict(cells)
  c.plots.group_by = "model.use_bias"
  # 8-layer ConvNets get 6,000 steps: at 2,000 half their seeds ended unfitted, their learning rate
  # decayed from step 600 on; the schedules study's 8-layer cells fitted 8/8 at 6,000.
  steps = {f"conv_c8_{tag}": 6000 for tag in ("bias", "nobias")}
  # and 16 seeds: at 8, the bias-free nets' fitted seeds split identity 4 / neither 3.
  seeds = {f"conv_c8_{tag}": 16 for tag in ("bias", "nobias")}
  return apply_preset(c, preset, num_seeds=8, num_steps=2000, cell_steps=steps, cell_seeds=seeds)
