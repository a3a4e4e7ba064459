r"""Study (ours, beyond the paper): a phase diagram of inductive bias, depth x channels.

  python experiments/main.py --config=identity_jax/configs/phase_diagram.py:quick \
      --workdir=workdirs/phase_diagram

The paper draws depth (Fig 3a) and channels (Fig 4b, 24) as separate single-run sweeps. Here every
(depth, channels) pair is a cell of 16 independent seeds on the 14x14 training image (4x cheaper per
step than 28x28; the train_sizes study shows the transition happens earlier at 14x14), and phase.png
colours each cell by the regime shares of its fitted seeds, with the not fitted, dead and diverged
seeds written beside: the map the paper could not draw from single runs.

Runtime: quick 40 min on the 2-core CPU (640 seeds in all, up to 20,000 steps each, paper schedule;
1-4 layers 3 min, 10-12 layers 25; measured: results/phase_diagram/summary.json timing).
Expected: identity at low depth and many channels, constant at high depth, dead or unfitted nets at
high depth with few channels (Fig 24's 3-channel failure), a boundary that moves to lower depth as
channels shrink.
32 and 64 channels (added 2026-12-05, issue #29: the boundary approaching the paper's 128): 8 seeds
each; a cell whose 8 seeds do not all end the same way (one regime, every seed fitted) is named in
SPLIT and gets 16: the rerun trains seeds 8-15 alone and adds them to the cell. Registered
before they ran, as a claim of ours (claims.py, the last row of RESULTS.md's claims table): the
regime boundaries stay where 8-16 channels put them (identity to 4 layers, neither at 6 and 8,
constant from 10), with almost every seed fitting. Runtime estimate: about 1.5 h on 2 free cores
(the 16-channel cells took 18 min for 16 seeds; a 32-channel step costs ~2x, a 64-channel one ~4x);
measured (2026-12-06, 2-core Xeon, nothing else running): 2 s to 4 min a 32-channel cell, 1-13
min a 64-channel one (12 layers: 207 seed-steps/s), 45 min for the 15 cells after d10_ch32 (36 min
while sharing the CPU).
"""

import ml_collections

from identity_jax.errors import ConfigError
from identity_jax.study.config import apply_preset, base_config, check_preset, model

DEPTHS = dict(paper=(1, 2, 3, 4, 5, 6, 8, 10, 12), quick=(1, 2, 3, 4, 6, 8, 10, 12), tiny=(1, 2))
CHANNELS = dict(paper=(2, 3, 4, 8, 16, 32, 64), quick=(2, 3, 4, 8, 16, 32, 64), tiny=(2, 3))
WIDE = (32, 64)  # 8 seeds per cell (the others have 16)
# Cells of WIDE whose 8 seeds did not all end the same way (see above): 16 seeds. Named 2026-12-06
# from their first 8: d6_ch32 identity 4 / neither 4, d6_ch64 identity 6 / neither 2, d8_ch32 dead 1.
SPLIT = ("d6_ch32", "d6_ch64", "d8_ch32")


def get_config(preset: str = "quick") -> ml_collections.ConfigDict:
  check_preset(preset)
  c = base_config()
  c.name = "phase_diagram"
  c.data.image_size = 14
  c.cells = ml_collections.ConfigDict({
      f"d{d}_ch{ch}": {"model": model("convnet", num_layers=d, channels=ch)}
      for d in DEPTHS[preset] for ch in CHANNELS[preset]})
  c.plots.sweep = "model.num_layers"
  c.plots.group_by = "model.channels"
  # 20,000 steps: at 4,000 most nets of 6+ layers and of 2-3 channels ended unfitted or dead, and
  # train_sizes' 14x14 nets of 8 and 12 layers, unfitted at 2,000 steps, all fitted at 20,000. A
  # seed stops soon after it fits (the paper schedule), so the budget costs only the slow seeds.
  wide = {f"d{d}_ch{ch}": 16 if f"d{d}_ch{ch}" in SPLIT else 8
          for d in DEPTHS[preset] for ch in WIDE if ch in CHANNELS[preset]}
  if preset != "tiny" and set(SPLIT) - set(wide):
    raise ConfigError(f"SPLIT names {sorted(set(SPLIT) - set(wide))}, not cells of 8 seeds",
                      f"name cells of {', '.join(wide)}")
  return apply_preset(c, preset, num_seeds=16, num_steps=20000, cell_seeds=wide)
