"""Runs every layer-wise analysis on the cells of a workdir and draws their figures.

Parameters come from `cells/<cell>/params.npz` when the experiment saved them, else the cell is
retrained from its recorded config (same seeds, same result). Initial parameters are recomputed from
the seeds. Results go to `analyses.json` (numbers per seed) and `analyses.npz` (images); the figures
are drawn from those two files alone:
  collapse.png            averaging-classifier error per layer, trained vs untrained, and an
                          untrained 20-layer ConvNet for reference (Fig 10)
  weight_change.png       relative l2 change per layer, kernels and biases (Fig 15-17)
  layers_<cell>.png       top singular vector / best channel / channel 0 per layer, at init, trained,
                          and trained on a 2x larger input (Fig 11-14, 19); seed 0
  upper_<cell>.png        top 1, 2, 3, 6, 10 layers fed test patterns directly (Fig 20-22)
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
import matplotlib.pyplot as plt
import numpy as np

from identity_jax.analyses import layer_views, probes, representations, weights
from identity_jax.data import datasets, images, suites
from identity_jax.errors import WorkdirError
from identity_jax.measures import stats
from identity_jax.study import cell as cell_lib
from identity_jax.study import evaluate, paths, results, summary, workdir
from identity_jax.training import program

UPPER_TOPS = (1, 2, 3, 6, 10)
UNTRAINED = "untrained_convnet_20"  # analyses.json's entry for Fig 10's untrained reference
CELL_FIGURES = ("layers_{}.png", "upper_{}.png", "sizes_{}.png")
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
      seeds=seed_ids, collapse_mnist=source,
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
    patterns = data.suites.get("patterns", data.suites[next(iter(data.suites))])[::3][:6]
    pics["upper/inputs"] = patterns
    for t in [t for t in UPPER_TOPS if t <= model.depth]:
      pics[f"upper/top_{t}"] = np.stack([probes.upper_subnetwork(model, one(final, s), patterns, t)
                                         for s in seed_ids])
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
  """Analyzes `cells` (default: every finished cell) of the workdir; returns the figures written."""
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
  workdir.write_json(root / paths.ANALYSES, numbers)
  workdir.write_npz(root / paths.ANALYSES_ARRAYS, pics)
  return draw(root, [c for c in numbers if c != UNTRAINED])


def result_digest(root, name) -> str:
  """Digest of the cell's result.json: which run of the cell an analysis describes."""
  return hashlib.sha256((paths.cell_dir(root, name) / paths.RESULT).read_bytes()).hexdigest()[:16]


def kept_analyses(root, cells, finished, log=print) -> tuple[dict, dict]:
  """(numbers, images) of the workdir's earlier analyses of cells other than `cells` that still
  describe their cell. An analysis whose cell was retrained since (another result.json) or is no
  longer finished is dropped, with its figures; one that predates digests is kept and said so."""
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
    for fig in CELL_FIGURES:
      (root / fig.format(c)).unlink(missing_ok=True)
  numbers = {k: v for k, v in numbers.items() if k not in gone}
  pics = {k: v for k, v in pics.items() if k.split("/", 1)[0] not in gone}
  return numbers, pics


def _mean_band(ax, curves, label, **kw):
  curves = np.asarray(curves, float)
  m = curves.mean(axis=0)
  line, = ax.plot(np.arange(len(m)), m, marker="o", ms=3, label=label, **kw)
  if len(curves) >= stats.MIN_SEEDS_FOR_T:  # t band; with fewer seeds, each seed's curve
    half = np.array([stats.summarize(c)["ci95_high"] - stats.summarize(c)["mean"]
                     for c in curves.T])
    ax.fill_between(np.arange(len(m)), m - half, m + half, alpha=0.2, color=line.get_color())
  else:
    ax.plot(np.arange(len(m)), curves.T, lw=0.6, alpha=0.5, color=line.get_color(),
            ls=kw.get("ls", "-"))
  return line


def _show(ax, img, title=None):
  ax.imshow(img, cmap="gray")
  ax.set_xticks([])
  ax.set_yticks([])
  if title:
    ax.set_title(title, fontsize=6)


def collapse_figure(numbers: dict, cells):
  fig, ax = plt.subplots(figsize=(7.5, 3.5))
  for c in cells:
    line = _mean_band(ax, numbers[c]["collapse_trained"], f"{c} trained")
    _mean_band(ax, numbers[c]["collapse_untrained"], f"{c} untrained", ls="--",
               color=line.get_color())
  if UNTRAINED in numbers:
    ref = numbers[UNTRAINED]
    _mean_band(ax, ref["collapse"], f"untrained 20-layer ConvNet ({ref['channels']} ch)", ls=":",
               color="k")
  ax.axhline(0.9, color="k", lw=0.5, ls=":")
  ax.set_xlabel("layer (0 = input pixels)")
  ax.set_ylabel("averaging-classifier error")
  ax.set_title("representation collapse (mean, 95% CI over seeds)", fontsize=9)
  ax.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.01, 1))  # beside: curves fill the axes
  fig.tight_layout()
  return fig


def weight_change_figure(numbers: dict, cells):
  fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
  for ax, tensor in zip(axes, ("kernel", "bias")):
    for c in cells:
      wc = numbers[c]["weight_change"]
      layers = [l for l in weights.layer_order(wc) if tensor in wc[l]]
      if layers:
        _mean_band(ax, np.array([wc[l][tensor] for l in layers]).T, c)
    ax.set_xlabel("layer")
    ax.set_yscale("log")
    ax.set_title(f"relative l2 change of {tensor}s from init", fontsize=9)
    ax.legend(fontsize=6)
  fig.tight_layout()
  return fig


def layers_figure(pics: dict, c: str):
  """Top singular vector / best channel / channel 0 per layer, at init, trained, trained on 2x."""
  kinds = [(t, k) for t in ("init", "trained", "trained_2x")
           for k in ("top_sv", "best_channel", "channel_0")]
  n_layers = len(pics[f"{c}/layers/init/top_sv"])
  fig, axes = plt.subplots(n_layers, len(kinds), figsize=(1.2 * len(kinds), 1.2 * n_layers),
                           squeeze=False)
  for j, (t, k) in enumerate(kinds):
    for i in range(n_layers):
      _show(axes[i, j], pics[f"{c}/layers/{t}/{k}"][i], f"{t} {k}" if i == 0 else None)
  for i in range(n_layers):
    axes[i, 0].set_ylabel(f"layer {i}", fontsize=6)
  fig.tight_layout(pad=0.2)
  return fig


def upper_figure(pics: dict, c: str):
  tops = sorted(int(k.split("_")[-1]) for k in pics if k.startswith(f"{c}/upper/top_"))
  inputs = pics[f"{c}/upper/inputs"]
  fig, axes = plt.subplots(1 + len(tops), len(inputs), figsize=(1.1 * len(inputs),
                           1.1 * (1 + len(tops))), squeeze=False)
  for j in range(len(inputs)):
    _show(axes[0, j], inputs[j])
    for i, t in enumerate(tops):
      _show(axes[i + 1, j], pics[f"{c}/upper/top_{t}"][0, j])
  axes[0, 0].set_ylabel("input", fontsize=6)
  for i, t in enumerate(tops):
    axes[i + 1, 0].set_ylabel(f"top {t}", fontsize=6)
  fig.suptitle(f"{c}: upper subnetworks (seed 0)", fontsize=8)
  fig.tight_layout(pad=0.2, rect=(0, 0, 1, 0.94))
  return fig


def sizes_figure(numbers: dict, pics: dict, c: str):
  n_seeds = pics[f"{c}/sizes/{SIZES[0]}/predictions"].shape[0]
  fig, axes = plt.subplots(1 + n_seeds, len(SIZES), figsize=(1.3 * len(SIZES),
                           1.3 * (1 + n_seeds)), squeeze=False)
  for j, s in enumerate(SIZES):
    _show(axes[0, j], pics[f"{c}/sizes/{s}/inputs"][0], f"{s}x{s}")
    for i in range(n_seeds):
      _show(axes[i + 1, j], pics[f"{c}/sizes/{s}/predictions"][i, 0])
  for i in range(n_seeds):
    axes[i + 1, 0].set_ylabel(f"seed {numbers[c]['seeds'][i]}", fontsize=6)
  fig.suptitle(f"{c}: predictions at other input sizes, a row per seed", fontsize=8)
  fig.tight_layout(pad=0.2, rect=(0, 0, 1, 0.94))
  return fig


def figures(numbers: dict, pics: dict, cells) -> dict:
  """File name -> Figure of every analysis figure that applies."""
  out = {"collapse.png": collapse_figure(numbers, cells),
         "weight_change.png": weight_change_figure(numbers, cells)}
  for c in cells:
    if f"{c}/layers/init/top_sv" in pics:
      layers, upper, sizes = (f.format(c) for f in CELL_FIGURES)
      out[layers] = layers_figure(pics, c)
      out[upper] = upper_figure(pics, c)
      out[sizes] = sizes_figure(numbers, pics, c)
  return out


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


def draw(root, cells) -> list[str]:
  """Saves the analysis figures of `cells` into the workdir; returns the files written."""
  root = pathlib.Path(root)
  numbers, pics = load(root)
  # in the study's sweep order (c3 before c12), as its other figures
  cells = [c for c in summary.load_study(root, with_arrays=False).ordered() if c in cells]
  return workdir.save_figures(figures(numbers, pics, cells).items(), root)
