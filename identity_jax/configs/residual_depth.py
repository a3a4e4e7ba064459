r"""Study (beyond the paper): Residual ConvNets of 1..24 layers on the 14x14 "7", 16 channels, 16 seeds a cell.

  python experiments/main.py --config=identity_jax/configs/residual_depth.py:quick \
      --workdir=workdirs/residual_depth

The nets: a 1 -> 16 stem, residual blocks z + relu(conv(z)) and a 16 -> 1 head (models/residual.py), depth in convolutions as for convnet_depth. The question the paper leaves: does the identity crisis of deep plain ConvNets
(constant from ~15-20 layers, dead nets in our runs) survive today's architectures?
Expected (ours, registered as a claim in identity_jax/reporting/claims.py before any run):
residual nets stay the identity at every depth (every block can be the identity, and the stem and head start near it).
Runtime: quick 37 min of training on the 2-core CPU (measured: results/residual_depth/summary.json
timing, at times sharing the CPU; 10 and 12 layers 9 and 25 min of it; at 16-24 layers every seed
diverged within 4 steps, so those cells stop in seconds).
Presets: quick as above; tiny for the tests; paper: the same at 128 channels and 28x28 (a GPU job).
"""

import ml_collections

from identity_jax.study.config import apply_preset, base_config, check_preset, model

DEPTHS = dict(paper=(1, 2, 3, 4, 6, 8, 10, 12, 16, 20, 24), quick=(1, 2, 3, 4, 6, 8, 10, 12, 16, 20, 24),
              tiny=(1, 3))


def get_config(preset: str = "quick") -> ml_collections.ConfigDict:
  return family_depth_sweep("residual", preset)


def family_depth_sweep(family: str, preset: str, name: str = "", depths: dict = DEPTHS,
                       quick_size: int = 14, quick_channels: int = 16,
                       num_seeds: int = 16) -> ml_collections.ConfigDict:
  """Study `name` (default <family>_depth): the family at `depths` (preset -> depths), on the
  quick_size "7" with quick_channels channels (paper: 28x28 and 128 channels)."""
  check_preset(preset)
  c = base_config()
  c.name = name or f"{family}_depth"
  c.data.image_size = 28 if preset == "paper" else quick_size
  channels = dict(paper=128, quick=quick_channels, tiny=4)[preset]
  c.cells = ml_collections.ConfigDict({
      f"c{d}": {"model": model(family, num_layers=d, channels=channels)} for d in depths[preset]})
  c.plots.sweep = "model.num_layers"
  return apply_preset(c, preset, num_seeds=num_seeds, num_steps=20000)
