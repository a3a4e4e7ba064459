r"""Study: the 1-layer linear net of eq. (1) (Fig 2, Appendix D).

  python experiments/main.py --config=identity_jax/configs/linear_closed_form.py:quick \
      --workdir=workdirs/linear_closed_form

Runtime: quick 0.1 min on the 2-core CPU (16 seeds in all, paper schedule, measured: results/linear_closed_form/summary.json timing); paper (2M steps): not yet run.
Expected: every seed fits the "7"; on inputs orthogonal to it (rho = 0) the prediction is the random
initial map W0 x (corr to identity ~0, to constant ~0: regime "neither"); with rho -> 1 the
prediction tends to the "7". Eq. (1) itself (trained W = W0 + u x^T) is checked to < 1e-4 by
tests/test_closed_form.py. The quick preset reproduces the whole claim (the loss is flat by 300 steps).
What the quick preset reproduces: its rows in RESULTS.md, generated from results/linear_closed_form/
(earlier 2-seed runs counted unfitted seeds and were withdrawn).
"""

import ml_collections

from identity_jax.study.config import base_config, check_preset, model, tiny


def get_config(preset: str = "quick") -> ml_collections.ConfigDict:
  check_preset(preset)
  c = base_config()
  c.preset = preset
  c.name = "linear_closed_form"
  c.num_seeds = 8
  linear = dict(hidden_layers=0, activation="linear")
  c.cells = ml_collections.ConfigDict({
      "linear_bias": {"model": model("fcn", **linear)},
      "linear_nobias": {"model": model("fcn", **linear, use_bias=False)},
  })
  if preset == "quick":
    c.train.num_steps = 300
    c.train.num_snapshots = 10
  elif preset == "paper":
    c.train.stop_when_fitted = True
  else:
    tiny(c)
  return c
