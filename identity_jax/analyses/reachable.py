"""Whether a cell could fit at all: the least training loss its trainable parameters can reach.

For 2-layer ReLU FCNs whose bottom layer alone trains on one image (Fig 6) this has a closed form
(closed_form.bottom_layer_least_loss), computed from each seed's initialization (recomputed from its
key; no trained parameters needed). A seed whose least reachable loss is above the fit tolerance is
not fitted at any budget: its cell is inconclusive by construction, not for want of steps.
Results go to `least_loss.json` (paths.LEAST_LOSS) in the study's directory, per cell and seed;
RESULTS.md's tables name the seeds it puts out of reach.
"""

import pathlib

import jax
import numpy as np

from identity_jax import atomic
from identity_jax.analyses import closed_form
from identity_jax.data import suites
from identity_jax.errors import WorkdirError
from identity_jax.study import cell as cell_lib
from identity_jax.study import evaluate, paths, results
from identity_jax.training import optim


def applies(cell: cell_lib.Cell) -> bool:
  """A 1-hidden-layer ReLU FCN trained on one image with only its bottom layer trainable."""
  m = cell.model
  return (cell.family.name == "fcn" and m.hidden_layers == 1 and m.activation == "relu"
          and cell.data.num_train == 1
          and optim.parse_trainable(cell.train.trainable, m.depth) == (0,))


def least_loss_of_cell(cell: cell_lib.Cell, trained: results.CellResult | None = None) -> dict:
  """Per seed: hidden units active at init, least reachable training MSE, and (given the cell's
  results) the seed's status and final loss beside it."""
  data = suites.build(cell.data)
  init = evaluate.trainer(cell, data).batched().init_params(evaluate.cell_keys(cell))
  layers = jax.device_get(init)["params"]
  bias = lambda layer, s: layer["bias"][s] if "bias" in layer else None
  finals = {r.seed: r for r in trained.seeds} if trained else {}
  l0, l1 = layers["layer_0"], layers["layer_1"]
  seeds = []
  for s in range(cell.num_seeds):
    least, active = closed_form.bottom_layer_least_loss(l0["kernel"][s], bias(l0, s), l1["kernel"][s],
                                                        bias(l1, s), np.asarray(data.train[0]))
    row = dict(seed=s, active_units=active, hidden_units=int(l0["kernel"].shape[-1]),
               least_loss=least, reachable=least < cell.train.fit_tolerance)
    if s in finals:
      row.update(status=finals[s].status, final_loss=finals[s].final_loss)
    seeds.append(row)
  return dict(fit_tolerance=cell.train.fit_tolerance, seeds=seeds,
              reachable=sum(r["reachable"] for r in seeds))


def write(root, log=print) -> dict:
  """least_loss.json for every cell of the study directory `root` (a workdir or results/<study>)
  where a closed form applies; returns what it wrote."""
  root = pathlib.Path(root)
  out = {}
  for name, entry in cell_lib.recorded(root).items():
    cell = cell_lib.parse_recorded(root, name, entry)
    if not applies(cell):
      continue
    done = (paths.cell_dir(root, name) / paths.RESULT).is_file()
    out[name] = least_loss_of_cell(cell, results.load(paths.cell_dir(root, name), False) if done else None)
    log(f"[{name}] least reachable loss per seed: "
        + ", ".join(f"{r['least_loss']:.2e}" for r in out[name]["seeds"])
        + f" (tolerance {cell.train.fit_tolerance:g}; reachable {out[name]['reachable']}/"
        f"{len(out[name]['seeds'])})")
  if not out:
    raise WorkdirError(f"no cell of {root} has a closed-form least loss",
                       "it applies to 1-hidden-layer ReLU FCNs trained on one image with "
                       "train.trainable = '0' (the two_layer_relu study)")
  atomic.write_json(root / paths.LEAST_LOSS, out)
  return out
