"""Figures of a study: pure functions of its results (summary.Study, loaded once), each returning a
matplotlib Figure (None where it does not apply); figure_registry.py names and saves them. No
retraining, no file reads.

  prediction_grid.png  inputs on top (training image, then test images of each suite); below, a row per
                       seed of each cell with its predictions
  heatmap_corr.png     correlation to identity / constant over rho (columns) per cell (rows): seed mean,
                       and the 95% interval half-width
  heatmap_mse.png      the same with MSE (Appendix I)
  suites_corr.png      mean correlation to identity and constant per suite, with 95% intervals
  loss.png             training loss over steps: median and range across seeds per cell
  sweep_corr.png       per cell (x: the plots.sweep field, or the cell names; one line per plots.group_by
                       value): correlation to identity and constant on the regime suite, seed mean with
                       95% interval and every seed as a dot, and the share of seeds per regime; a red ring
                       marks cells whose seeds disagree on the regime
  sweep_mse.png        the same with MSE
  seed_hist.png        distribution over seeds of the correlation to identity and to constant on the
                       regime suite, one histogram per cell (the seed-distribution view)
  phase.png            two-axis studies (plots.sweep and plots.group_by set): a grid of cells coloured
                       by the regime shares of their fitted seeds (phase_diagram)
  test_sizes.png       ConvNets tested at other input sizes (metrics.test_sizes): correlation per size
  test_sizes_grid.png  the first seed of each such cell: inputs and predictions per size (Fig 3b)
Every regime and statistic counts fitted seeds only (stats.py); the others are counted beside: heatmap
rows and sweep x labels carry each cell's regime counts among fitted seeds and its not fitted (nf),
dead and diverged (dv) counts; '*' marks a cell whose fitted seeds disagree. The library never picks a
matplotlib backend: headless processes get Agg by themselves, notebooks their inline one.
"""


import textwrap

import matplotlib.pyplot as plt
import numpy as np

from identity_jax.data import images
from identity_jax.measures import regime
from identity_jax.study import summary as summary_lib
from identity_jax.study.summary import Study

MAX_GRID_SEEDS = 4


def _with_arrays(study: Study, cells) -> tuple[list, list]:
  """(cells whose arrays were loaded, cells without): a workdir rebuilt from results/, which keeps
  no arrays, has finished cells without them."""
  return [c for c in cells if study.cells[c].arrays is not None], \
      [c for c in cells if study.cells[c].arrays is None]


def _note_missing(fig, missing: list) -> float:
  """Titles the figure with the cells it leaves out, wrapped to its width (~20 characters an inch at
  6 pt); returns the top of the room left for the axes (tight_layout's rect), below the title."""
  if not missing:
    return 1.0
  text = textwrap.fill(f"not drawn (no saved arrays): {', '.join(missing)}",
                       max(40, int(20 * fig.get_figwidth())))
  fig.suptitle(text, fontsize=6, y=0.999, va="top")
  return 1 - (0.1 * (text.count("\n") + 1) + 0.06) / fig.get_figheight()  # 6 pt lines ~0.1 in


def prediction_grid(study: Study):
  """An input row, then a row per seed of each cell; a new input row wherever a cell's inputs differ
  from the previous cell's (studies that vary the training image or its size)."""
  cells, missing = _with_arrays(study, study.ordered())
  if not cells:
    return None
  rows, last_inputs = [], None
  for c in cells:
    result, a = study.cells[c], study.cells[c].arrays
    n_train = min(3, len(a.train_images))  # the paper shows up to 3 training images
    inputs = np.concatenate([a.train_images[:n_train], a.grid_inputs])
    if last_inputs is None or inputs.shape != last_inputs.shape or not np.array_equal(inputs,
                                                                                      last_inputs):
      rows.append((f"input ({n_train} train)", inputs))
      last_inputs = inputs
    for s in range(min(MAX_GRID_SEEDS, a.grid_predictions.shape[0])):
      seed = result.seeds[s]
      rows.append((f"{c}\nseed {seed.seed} ({seed.regime or seed.status})",
                   np.concatenate([a.train_predictions[s, :n_train], a.grid_predictions[s]])))
  n_rows, n_cols = len(rows), max(len(imgs) for _, imgs in rows)
  fig, axes = plt.subplots(n_rows, n_cols, figsize=(0.75 * n_cols + 1.4, 0.8 * n_rows + 0.3),
                           squeeze=False)
  for r, (label, imgs) in enumerate(rows):
    for col in range(n_cols):
      if col < len(imgs):
        images.show(axes[r, col], imgs[col], pixels=True)
      else:
        axes[r, col].axis("off")
    axes[r, 0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=6)
  width = fig.get_size_inches()[0]
  fig.tight_layout(pad=0.2, rect=(1.1 / width, 0, 1, _note_missing(fig, missing)))  # row labels
  return fig


def _nan(v) -> float:
  """A statistic of summary.json as a number to plot: None (no fitted seed, no interval) is NaN."""
  return np.nan if v is None else v


def _bands(stats_list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
  """(mean, interval low, interval high) arrays of stats.summarize entries (None: not measured)."""
  get = lambda k: np.array([_nan((st or {}).get(k)) for st in stats_list], float)
  return get("mean"), get("ci95_low"), get("ci95_high")


def _rho_table(study: Study, cells, metric):
  """(cells, rhos) arrays of seed mean and 95% half-width."""
  suites = study.stats[cells[0]].suites
  rho_names = sorted((n for n in suites if n.startswith("rho_")), key=lambda n: float(n[4:]))
  mean = np.full((len(cells), len(rho_names)), np.nan)
  half = np.full_like(mean, np.nan)
  for i, c in enumerate(cells):
    m, _, hi = _bands([study.stats[c].stat(n, metric) for n in rho_names])
    mean[i], half[i] = m, hi - m
  return [float(n[4:]) for n in rho_names], mean, half


def rho_heatmaps(study: Study, kind: str):
  """kind: 'corr' or 'mse'. None when the experiment has no rho suites."""
  cells = study.ordered()
  fig, axes = plt.subplots(1, 2, figsize=(11, 0.55 * len(cells) + 1.6), squeeze=False)
  for ax, target in zip(axes[0], ("identity", "constant")):
    rhos, mean, half = _rho_table(study, cells, f"{kind}_{target}")
    if not rhos:
      plt.close(fig)
      return None
    vmin, vmax = (-1, 1) if kind == "corr" else (0, np.nanmax(mean) if np.isfinite(mean).any() else 1)
    im = ax.imshow(mean, cmap="viridis", vmin=vmin, vmax=vmax, aspect="auto")
    for i in range(mean.shape[0]):
      for j in range(mean.shape[1]):
        text = f"{mean[i, j]:.2f}" + ("" if np.isnan(half[i, j]) else f"\n±{half[i, j]:.2f}")
        ax.text(j, i, text, ha="center", va="center", fontsize=6,
                color="white" if mean[i, j] < (vmin + vmax) / 2 else "black")
    ax.set_xticks(range(len(rhos)), [f"{r:.2f}" for r in rhos])
    ax.set_yticks(range(len(cells)), [_cell_label(study, c) for c in cells], fontsize=7)
    ax.set_xlabel("rho: correlation of test input with the training image")
    ax.set_title(f"{kind} to {target} (seed mean, ±95% CI)")
    fig.colorbar(im, ax=ax)
  fig.tight_layout()
  return fig


def suites_bars(study: Study):
  cells = study.ordered()
  suites = [n for n in study.stats[cells[0]].suites if not n.startswith("rho_")]
  fig, axes = plt.subplots(1, 2, figsize=(11, 3.2), sharey=True)
  width = 0.8 / len(cells)
  for ax, target in zip(axes, ("identity", "constant")):
    for i, c in enumerate(cells):
      mean, _, hi = _bands([study.stats[c].stat(n, f"corr_{target}") for n in suites])
      err = np.nan_to_num(hi - mean)
      ax.bar(np.arange(len(suites)) + i * width, mean, width, yerr=err, label=c, capsize=2)
    ax.set_xticks(np.arange(len(suites)) + 0.4 - width / 2, suites)
    ax.set_title(f"correlation to {target} (seed mean, 95% CI)")
    ax.axhline(0, color="k", lw=0.5)
  axes[0].legend(fontsize=7)
  fig.tight_layout()
  return fig


def loss_curves(study: Study):
  cells, missing = _with_arrays(study, study.ordered())
  if not cells:
    return None
  fig, ax = plt.subplots(figsize=(6, 3.5))
  for c in cells:
    a = study.cells[c].arrays
    h = np.where(np.isfinite(a.loss_history), a.loss_history, np.nan)
    steps = a.loss_steps
    line, = ax.plot(steps, np.nanmedian(h, axis=0), label=c)
    ax.fill_between(steps, np.nanmin(h, axis=0), np.nanmax(h, axis=0), alpha=0.2,
                    color=line.get_color())
  ax.set_yscale("log")
  ax.set_xlabel("step")
  ax.set_ylabel("training MSE (median, range over seeds)")
  ax.legend(fontsize=7)
  fig.tight_layout(rect=(0, 0, 1, _note_missing(fig, missing)))
  return fig


def disagree(regimes) -> bool:
  """Seeds disagree when the fitted ones (those with a regime) fall in more than one regime."""
  return len({r for r in regimes if r in regime.REGIMES}) > 1


STATUS_ABBREV = {"not_fitted": "nf", "dead": "dead", "diverged": "dv"}


def counts_label(seeds) -> str:
  """e.g. 'id5 co1 | nf1 dv1': regimes of the fitted seeds, then how many did not fit, were dead or
  diverged; '*' where the fitted seeds disagree."""
  regimes = [s.regime for s in seeds]
  fitted = " ".join(f"{r[:2]}{regimes.count(r)}" for r in regime.REGIMES if regimes.count(r))
  statuses = [s.status for s in seeds]
  rest = " ".join(f"{a}{statuses.count(k)}" for k, a in STATUS_ABBREV.items() if statuses.count(k))
  return (f"{fitted or 'none fitted'}{' *' if disagree(regimes) else ''}"
          + (f" | {rest}" if rest else ""))


def _cell_label(study: Study, cell: str) -> str:
  return f"{cell}\n{counts_label(study.cells[cell].seeds)}"


def _sweep_layout(study: Study, cells, sweep: str, group_by: str):
  return summary_lib.layout({c: study.cells[c].config for c in cells}, cells, sweep, group_by)


def sweep_figure(study: Study, kind: str):
  """kind 'corr' or 'mse': per cell, the metric to identity and constant on the regime suite (seed
  mean, 95% interval, each seed a dot) and the regime shares; see the module docstring."""
  sweep, group_by = study.plots.get("sweep", ""), study.plots.get("group_by", "")
  cells = study.ordered()
  suite = study.regime_suite
  groups = _sweep_layout(study, cells, sweep, group_by)
  numeric = bool(sweep) and all(isinstance(x, (int, float)) for g in groups.values() for x, _ in g)
  panels = ("identity", "constant", "regimes") if kind == "corr" else ("identity", "constant")
  fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.4), squeeze=False)
  for gi, (g, members) in enumerate(groups.items()):
    members = sorted(members, key=lambda m: m[0]) if numeric else members
    xs = np.array([m[0] for m in members], float) if numeric else \
        np.array([cells.index(m[1]) for m in members], float)
    label = f"{group_by.split('.')[-1]} {g}" if group_by else None
    for ax, target in zip(axes[0], panels):
      if target == "regimes":
        for r, style in (("identity", "-o"), ("constant", "--s")):
          share = [study.stats[c].regimes[r] for _, c in members]
          line, = ax.plot(xs, [_nan(v["share"]) for v in share], style,
                          ms=4, label=f"{r} (of fitted){'' if label is None else ', ' + label}")
          ax.vlines(xs, [_nan(v["ci95_low"]) for v in share], [_nan(v["ci95_high"]) for v in share],
                    color=line.get_color(), alpha=0.4)
        unfit = [1 - study.stats[c].fitted_share for _, c in members]
        ax.plot(xs, unfit, ":x", color="gray", ms=4,
                label=f"not fitted / dead / diverged (of all){'' if label is None else ', ' + label}")
        continue
      metric = f"{kind}_{target}"
      mean, lo, hi = _bands([study.stats[c].stat(suite, metric) for _, c in members])
      line, = ax.plot(xs, mean, "-", label=label)
      bounds = (-1, 1) if kind == "corr" else (0, None)  # 2 seeds give t-intervals of +-12.7 sd
      ax.fill_between(xs, np.clip(lo, *bounds), np.clip(hi, *bounds), alpha=0.2,
                      color=line.get_color())
      for x, (_, c) in zip(xs, members):
        result = study.cells[c]
        vals = [s.suites[suite][metric] for s in result.fitted]
        ax.plot(np.full(len(vals), x), vals, ".", color=line.get_color(), alpha=0.5, ms=4)
        if disagree([s.regime for s in result.seeds]):
          ax.plot([x], [np.nanmean(vals)], "o", mfc="none", mec="red", ms=10)
  for ax, target in zip(axes[0], panels):
    if kind == "corr" or target == "regimes":
      ax.set_ylim(-1.05 if target != "regimes" else -0.05, 1.05)
    if numeric:
      ax.set_xlabel(sweep)
      values = [m[0] for g in groups.values() for m in g]
      if min(values) > 0 and max(values) / min(values) > 30:  # e.g. channels 2..1024
        ax.set_xscale("log", base=2)
    else:
      ax.set_xticks(range(len(cells)), [f"{c} ({study.stats[c].fitted}/{study.stats[c].seeds})"
                                        for c in cells], rotation=45, ha="right", fontsize=7)
    ax.set_title(f"share of fitted seeds per regime, Wilson 95% ({suite})" if target == "regimes"
                 else f"{kind} to {target} ({suite}; fitted seeds: mean, t 95% CI if n>=4, each)",
                 fontsize=8)
    if target == "regimes" or group_by:
      ax.legend(fontsize=6)
  fig.tight_layout()
  return fig


def seed_histograms(study: Study):
  suite = study.regime_suite
  fig, axes = plt.subplots(1, 2, figsize=(10, 3.4), sharey=True)
  bins = np.linspace(-1, 1, 41)
  for c in study.ordered():
    seeds, ok = study.cells[c].seeds, study.cells[c].fitted
    for ax, target in zip(axes, ("identity", "constant")):
      ax.hist([s.suites[suite][f"corr_{target}"] for s in ok], bins=bins, histtype="step",
              lw=1.5, label=f"{c} ({len(ok)}/{len(seeds)} fitted)")
  for ax, target in zip(axes, ("identity", "constant")):
    ax.set_xlabel(f"correlation to {target} ({suite}; mean over its images)")
    ax.set_title(f"seeds per correlation to {target}", fontsize=8)
  axes[0].set_ylabel("seeds")
  axes[0].legend(fontsize=6)
  fig.tight_layout()
  return fig


def _size_cells(study: Study) -> list:
  return [c for c in study.ordered() if study.stats[c].test_sizes]


def test_sizes_curves(study: Study):
  with_sizes = _size_cells(study)
  if not with_sizes:
    return None
  fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
  for ax, target in zip(axes, ("identity", "constant")):
    for c in with_sizes:
      by_size = study.stats[c].test_sizes
      sizes = sorted(by_size, key=int)
      for suite in by_size[sizes[0]]:
        mean, _, hi = _bands([by_size[s][suite][f"corr_{target}"] for s in sizes])
        half = np.nan_to_num(hi - mean)
        ax.errorbar([int(s) for s in sizes], mean, yerr=half, capsize=2, marker="o", ms=3,
                    label=f"{c} ({suite})")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("test input size (trained at the data.image_size of the cell)")
    ax.set_title(f"correlation to {target} (seed mean, 95% CI)", fontsize=8)
    ax.legend(fontsize=6)
  fig.tight_layout()
  return fig


def test_sizes_grid(study: Study):
  with_sizes, missing = _with_arrays(study, _size_cells(study))
  if not with_sizes:
    return None
  rows = []
  for c in with_sizes:
    by_size = study.cells[c].arrays.sizes
    for size in sorted(by_size, key=int):
      names = sorted(by_size[size])
      ins = np.concatenate([by_size[size][n][0] for n in names])
      outs = np.concatenate([by_size[size][n][1][0] for n in names])
      rows.append((f"{c}\n{size}x{size}", ins, outs))
  n_cols = 2 * len(rows[0][1])
  fig, axes = plt.subplots(len(rows), n_cols, figsize=(0.7 * n_cols + 1.4, 0.75 * len(rows) + 0.3),
                           squeeze=False)
  for r, (label, ins, outs) in enumerate(rows):
    for j in range(len(ins)):
      images.show(axes[r, 2 * j], ins[j], pixels=True)
      images.show(axes[r, 2 * j + 1], outs[j], pixels=True)
    axes[r, 0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=6)
  axes[0, 0].set_title("input", fontsize=6)
  axes[0, 1].set_title("output", fontsize=6)
  top = _note_missing(fig, missing)
  fig.tight_layout(pad=0.2, rect=(1.2 / fig.get_size_inches()[0], 0, 1, top))
  return fig


def phase_diagram(study: Study):
  """Two-axis studies (sweep x group_by): each cell coloured by the identity share minus the constant
  share of its fitted seeds (blue identity, red constant, white neither or split), hatched grey when
  inconclusive (fewer than half fitted); the text gives the regime counts of the fitted seeds over
  the seeds, and how many did not fit (nf), were dead or diverged (dv). None when not a grid."""
  sweep, group_by = study.plots.get("sweep", ""), study.plots.get("group_by", "")
  if not (sweep and group_by):
    return None
  groups = _sweep_layout(study, study.ordered(), sweep, group_by)
  xs = sorted({x for g in groups.values() for x, _ in g})
  ys = sorted(groups)
  if len(xs) < 2 or len(ys) < 2:
    return None
  value = np.full((len(ys), len(xs)), np.nan)
  fig, ax = plt.subplots(figsize=(1.0 * len(xs) + 2, 0.75 * len(ys) + 1.2))
  for yi, g in enumerate(ys):
    for x, c in groups[g]:
      cell = study.stats[c]
      xi = xs.index(x)
      r = cell.regimes
      if cell.verdict == "inconclusive":
        ax.add_patch(plt.Rectangle((xi - 0.5, yi - 0.5), 1, 1, fill=False, hatch="//", color="0.6"))
      elif r["identity"]["n"]:
        value[yi, xi] = r["identity"]["share"] - r["constant"]["share"]
      rest = " ".join(f"{a}{cell.status_counts[k]}" for k, a in STATUS_ABBREV.items()
                      if cell.status_counts[k])
      ax.text(xi, yi, f"id{r['identity']['count']} co{r['constant']['count']}\n"
              f"of {cell.fitted}/{cell.seeds}" + (f"\n{rest}" if rest else ""),
              ha="center", va="center", fontsize=6)
  image = ax.imshow(value, cmap="coolwarm_r", vmin=-1, vmax=1, origin="lower", aspect="auto")
  ax.set_xticks(range(len(xs)), xs)
  ax.set_yticks(range(len(ys)), ys)
  ax.set_xlabel(sweep)
  ax.set_ylabel(group_by)
  fig.colorbar(image, ax=ax, label="identity - constant share")
  ax.set_title(f"regimes of the fitted seeds ({study.regime_suite}); hatched: inconclusive",
               fontsize=8)
  fig.tight_layout()
  return fig
