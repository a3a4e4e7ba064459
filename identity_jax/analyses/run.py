"""Runs every layer-wise analysis on the cells of a workdir (figures.py draws them).

Parameters come from `cells/<cell>/params.npz` when the experiment saved them, else the cell is
retrained from its recorded config (same seeds, same result). Initial parameters are recomputed from
the seeds. Results go to `analyses.json` (numbers per seed) and `analyses.npz` (images); figures.py draws
its figures from those two files alone:
  collapse.png            averaging-classifier error per layer, trained vs untrained, and an
                          untrained 20-layer ConvNet for reference (Fig 10)
  weight_change.png       relative l2 change per layer, kernels and biases (Fig 15-17)
  layers_<cell>.png       top singular vector / best channel / channel 0 per layer, at init, trained,
                          and trained on a 2x larger input (Fig 11-14, 19); seed 0
  upper_<cell>.png        top 1, 2, 3, 6, 10 layers and the upper half fed test patterns directly
                          (Fig 20-22); analyses.json keeps each seed's mean corr of their outputs
                          to the input and to the training image on every pattern (`upper`)
  sizes_<cell>.png        predictions at inputs of 7..112 pixels (Fig 3b, 18)
The last three are for ConvNets only. Cells are analyzed one at a time, like training: analyzing
some cells keeps the other cells' analyses as long as each still describes its cell (the digest of
the result.json it analyzed matches), and drops those whose cell was retrained since.
"""

import dataclasses
import hashlib
import pathlib

import jax
import jax.numpy as jnp
import numpy as np

from identity_jax import atomic
from identity_jax.analyses import layer_views, probes, representations, weights
from identity_jax.data import datasets, images, suites
from identity_jax.errors import WorkdirError
from identity_jax.measures import metrics
from identity_jax.study import cell as cell_lib
from identity_jax.study import evaluate, paths, results, workdir
from identity_jax.training import program

UPPER_TOPS = (1, 2, 3, 6, 10)


def upper_tops(depth: int) -> list[int]:
  """The upper subnetworks analysed in a `depth`-layer net: UPPER_TOPS and its upper half (Fig 22)."""
  return sorted({t for t in UPPER_TOPS if t <= depth} | {max(depth // 2, 1)})


UNTRAINED = "untrained_convnet_20"  # analyses.json's entry for Fig 10's untrained reference




SIZES = (7, 14, 28, 56, 112)


COLLAPSE_TRAIN, COLLAPSE_TEST = 1000, 500


def _collapse_digits(data_cfg, size):
  ds = datasets.load_dataset("mnist", data_cfg.dir or None, data_cfg.download)
  rng = np.random.default_rng(0)
  tr = rng.choice(len(ds.train_labels), min(COLLAPSE_TRAIN, len(ds.train_labels)), False)
  te = rng.choice(len(ds.test_labels), min(COLLAPSE_TEST, len(ds.test_labels)), False)
  prep = lambda x: images.resize(images.from_uint8(x), size)
  return (prep(ds.train_images[tr]), ds.train_labels[tr], prep(ds.test_images[te]),
          ds.test_labels[te], ds.source)


def fitted_seeds(root, name) -> list[int]:
  """The cell's fitted seeds: the analyses read the learned function, which only these have."""
  return [s.seed for s in results.load(paths.cell_dir(root, name), False).fitted]


def analyze_cell(root, cell: cell_lib.Cell, max_seeds=4, log=print):
  """Numbers (json-able) and images (name -> array) of every analysis for one cell, over its first
  `max_seeds` fitted seeds."""
  name, model = cell.name, cell.module
  data = suites.build(cell.data)
  keys = evaluate.cell_keys(cell)
  # The very initialization training started from (init is pure in the seed's key).
  init = evaluate.trainer(cell, data).batched().init_params(keys)
  saved = paths.cell_dir(root, name) / paths.PARAMS
  if saved.is_file():
    final = results.load_params(saved)
  else:
    log(f"[{name}] no saved parameters: retraining the cell from its recorded config")
    final = evaluate.train_and_evaluate(cell, data, log)[1]
  seed_ids = fitted_seeds(root, name)[:max_seeds]
  one = lambda tree, s: jax.tree.map(lambda a: jnp.asarray(a[s]), tree)
  pick = lambda tree: jax.tree.map(lambda a: np.asarray(a)[np.array(seed_ids, int)], tree)
  trx, try_, tex, tey, source = _collapse_digits(cell.data, cell.data.image_size)
  numbers = dict(
      seeds=seed_ids, depth=cell.model.depth, collapse_mnist=source,
      weight_change={layer: {t: v.tolist() for t, v in ts.items()}
                     for layer, ts in weights.relative_change(pick(init), pick(final)).items()},
      collapse_trained=[representations.collapse_curve(model, one(final, s), trx, try_, tex,
                                                       tey).tolist() for s in seed_ids],
      collapse_untrained=[representations.collapse_curve(model, one(init, s), trx, try_, tex,
                                                         tey).tolist() for s in seed_ids])
  pics = {}
  if cell.family.image_layers:  # ConvNet-only analyses
    x = data.suites["mnist"][0] if "mnist" in data.suites else data.train[0]
    big = images.resize(x[None], 2 * x.shape[-1])[0]  # Fig 19: the same net on a larger input
    for tag, params, inp in (("init", init, x), ("trained", final, x), ("trained_2x", final, big)):
      views = layer_views.layer_views(model, one(params, seed_ids[0]), inp)
      for kind in ("top_sv", "best_channel", "channel_0"):
        pics[f"layers/{tag}/{kind}"] = np.stack([v[kind] for v in views])
    patterns = data.suites.get("patterns", data.suites[next(iter(data.suites))])
    shown = slice(None, 18, 3)  # six of the patterns in the figure; the numbers read them all
    pics["upper/inputs"] = patterns[shown]
    numbers["upper"] = {}
    patterns_j, train_j = jnp.asarray(patterns), jnp.asarray(data.train)
    for t in upper_tops(cell.model.depth):
      outs = [probes.upper_subnetwork(model, one(final, s), patterns, t) for s in seed_ids]
      pics[f"upper/top_{t}"] = np.stack([o[shown] for o in outs])
      sims = [metrics.similarities(jnp.asarray(o), patterns_j, train_j) for o in outs]
      numbers["upper"][f"top_{t}"] = {k: [float(np.mean(m[k])) for m in sims]
                                      for k in metrics.METRICS}
    digits = (data.suites["mnist"] if "mnist" in data.suites else data.train)[:3]
    for size in SIZES:
      outs = [probes.at_sizes(model, one(final, s), digits, (size,))[size] for s in seed_ids]
      pics[f"sizes/{size}/inputs"] = outs[0][0]
      pics[f"sizes/{size}/predictions"] = np.stack([o[1] for o in outs])
  return numbers, pics


def untrained_reference(cell: cell_lib.Cell, max_seeds, depth=20) -> dict:
  """Collapse curves of untrained `depth`-layer ConvNets configured like `cell`, one per seed (at
  most 2: untrained curves barely vary between seeds, and 20 layers of features are costly)."""
  model = cell.family.build(dataclasses.replace(cell.model, num_layers=depth))
  trx, try_, tex, tey, _ = _collapse_digits(cell.data, cell.data.image_size)
  keys = program.seed_keys(cell.seed, range(min(max_seeds, cell.num_seeds, 2)))
  curves = [representations.collapse_curve(model, model.init(k, jnp.asarray(trx[:1])), trx, try_,
                                           tex, tey).tolist() for k in keys]
  return dict(channels=cell.model.channels, collapse=curves)


def analyze(root, cells=None, max_seeds=4, log=print) -> list[str]:
  """Analyzes `cells` (default: every finished cell) of the workdir into analyses.json and .npz;
  returns every cell those now hold (figures.draw(root, them) draws their figures)."""
  root = pathlib.Path(root)
  recorded = cell_lib.recorded(root)
  finished = [c for c in recorded if (paths.cell_dir(root, c) / paths.RESULT).is_file()]
  cells = cells or finished
  missing = [c for c in cells if c not in finished]
  if missing:
    raise WorkdirError(f"cells {missing} are not finished in {root} (finished: {finished})",
                       "train them first with identity-jax-run, or name finished cells")
  unfit = [c for c in cells if not fitted_seeds(root, c)]
  for c in unfit:
    log(f"[{c}] skipped: no seed fitted its training image, so there is no learned function to analyze")
  cells = [c for c in cells if c not in unfit]
  if not cells:
    raise WorkdirError(f"no seed of the cells asked for in {root} fitted its training image",
                       "train longer (train.num_steps) or analyze other cells")
  numbers, pics = kept_analyses(root, cells, finished, log)
  parsed = {c: cell_lib.parse_recorded(root, c, recorded[c]) for c in cells}
  for c in cells:
    log(f"[{c}] analyzing")
    numbers[c], cell_pics = analyze_cell(root, parsed[c], max_seeds, log)
    numbers[c]["result_digest"] = result_digest(root, c)
    pics.update({f"{c}/{k}": v for k, v in cell_pics.items()})
  convnets = [c for c in cells if parsed[c].family.name == "convnet"]
  if convnets:  # Fig 10's reference: an untrained 20-layer ConvNet, else like the first ConvNet cell
    log(f"untrained 20-layer reference ConvNet (as {convnets[0]})")
    numbers[UNTRAINED] = untrained_reference(parsed[convnets[0]], max_seeds)
  atomic.write_json(root / paths.ANALYSES, numbers)
  workdir.write_npz(root / paths.ANALYSES_ARRAYS, pics)
  return [c for c in numbers if c != UNTRAINED]


def result_digest(root, name) -> str:
  """Digest of the cell's result.json: which run of the cell an analysis describes."""
  return hashlib.sha256((paths.cell_dir(root, name) / paths.RESULT).read_bytes()).hexdigest()[:16]


def kept_analyses(root, cells, finished, log=print) -> tuple[dict, dict]:
  """(numbers, images) of the workdir's earlier analyses of cells other than `cells` that still
  describe their cell. An analysis whose cell was retrained since (another result.json) or is no
  longer finished is dropped (and its figures with the next drawing); one that predates digests is
  kept and said so."""
  root = pathlib.Path(root)
  if not (root / paths.ANALYSES).is_file():
    return {}, {}
  numbers, pics = load(root)
  gone = [c for c in numbers if c in cells]  # being analyzed again
  for c in [c for c in numbers if c != UNTRAINED and c not in cells]:
    digest = numbers[c].get("result_digest")
    if c in finished and digest == result_digest(root, c):
      continue
    if c in finished and digest is None:
      log(f"[{c}] kept an earlier analysis that predates result digests: not checked against its "
          "result.json")
      continue
    log(f"[{c}] dropped its earlier analysis: the cell was retrained since (or is not finished); "
        "analyze it again")
    gone.append(c)
  numbers = {k: v for k, v in numbers.items() if k not in gone}
  pics = {k: v for k, v in pics.items() if k.split("/", 1)[0] not in gone}
  return numbers, pics


def load(root) -> tuple[dict, dict]:
  """(numbers, images) of the analyses run in a workdir (analyses.json, analyses.npz). results/
  holds no analyses.npz (images are redrawn in the workdir): there, the images are {} and only the
  figures drawn from numbers can be redrawn."""
  root = pathlib.Path(root)
  numbers = workdir.read_json(root / paths.ANALYSES)
  if not (root / paths.ANALYSES_ARRAYS).is_file():
    return numbers, {}
  with workdir.read_npz(root / paths.ANALYSES_ARRAYS) as z:
    return numbers, dict(z)
