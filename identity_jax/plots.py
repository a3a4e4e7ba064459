"""Figures of an experiment, drawn only from the files in its workdir (no retraining).

  prediction_grid.png  inputs on top (training image, then test images of each suite); below, a row per
                       seed of each cell with its predictions
  heatmap_corr.png     correlation to identity / constant over rho (columns) per cell (rows): seed mean,
                       and the 95% interval half-width
  heatmap_mse.png      the same with MSE (Appendix I)
  suites_corr.png      mean correlation to identity and constant per suite, with 95% intervals
  loss.png             training loss over steps: median and range across seeds per cell
"""

import pathlib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from identity_jax import images, workdir  # noqa: E402

MAX_GRID_SEEDS = 4


def load_cell(root, cell):
  d = pathlib.Path(root) / "cells" / cell
  with np.load(d / "arrays.npz") as z:
    arrays = dict(z)
  return workdir.read_json(d / "result.json"), arrays


def _show(ax, img):
  ax.imshow(np.clip(images.to_unit(img), 0, 1), cmap="gray", vmin=0, vmax=1)
  ax.set_xticks([])
  ax.set_yticks([])


def prediction_grid(root, cells, path):
  loaded = [(c, *load_cell(root, c)) for c in cells]
  _, _, first = loaded[0]
  inputs = np.concatenate([first["train_images"][:1], first["grid_inputs"]])
  rows = [("input", inputs)]
  for c, result, a in loaded:
    for s in range(min(MAX_GRID_SEEDS, a["grid_predictions"].shape[0])):
      seed = result["seeds"][s]
      rows.append((f"{c}\nseed {seed['seed']} ({seed['regime']})",
                   np.concatenate([a["train_predictions"][s, :1], a["grid_predictions"][s]])))
  n_rows, n_cols = len(rows), len(inputs)
  fig, axes = plt.subplots(n_rows, n_cols, figsize=(0.75 * n_cols + 1.6, 0.8 * n_rows + 0.3),
                           squeeze=False)
  for r, (label, imgs) in enumerate(rows):
    for col in range(n_cols):
      _show(axes[r, col], imgs[col])
    axes[r, 0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=6)
  axes[0, 0].set_title("train", fontsize=7)
  fig.tight_layout(pad=0.2)
  fig.savefig(path, dpi=110)
  plt.close(fig)


def _rho_table(root, cells, metric):
  """(cells, rhos) arrays of seed mean and 95% half-width, from summary.json."""
  summary = workdir.read_json(pathlib.Path(root) / "summary.json")
  suites = summary["cells"][cells[0]]["suites"]
  rho_names = sorted((n for n in suites if n.startswith("rho_")), key=lambda n: float(n[4:]))
  mean = np.full((len(cells), len(rho_names)), np.nan)
  half = np.full_like(mean, np.nan)
  for i, c in enumerate(cells):
    for j, n in enumerate(rho_names):
      st = summary["cells"][c]["suites"][n][metric]
      if st["mean"] is not None:
        mean[i, j] = st["mean"]
      if st["ci95_high"] is not None:
        half[i, j] = st["ci95_high"] - st["mean"]
  return [float(n[4:]) for n in rho_names], mean, half


def rho_heatmaps(root, cells, kind, path):
  """kind: 'corr' or 'mse'. Skipped (returns False) when the experiment has no rho suites."""
  fig, axes = plt.subplots(1, 2, figsize=(11, 0.55 * len(cells) + 1.6), squeeze=False)
  for ax, target in zip(axes[0], ("identity", "constant")):
    rhos, mean, half = _rho_table(root, cells, f"{kind}_{target}")
    if not rhos:
      plt.close(fig)
      return False
    vmin, vmax = (-1, 1) if kind == "corr" else (0, np.nanmax(mean) if np.isfinite(mean).any() else 1)
    im = ax.imshow(mean, cmap="viridis", vmin=vmin, vmax=vmax, aspect="auto")
    for i in range(mean.shape[0]):
      for j in range(mean.shape[1]):
        text = f"{mean[i, j]:.2f}" + ("" if np.isnan(half[i, j]) else f"\n±{half[i, j]:.2f}")
        ax.text(j, i, text, ha="center", va="center", fontsize=6,
                color="white" if mean[i, j] < (vmin + vmax) / 2 else "black")
    ax.set_xticks(range(len(rhos)), [f"{r:.2f}" for r in rhos])
    ax.set_yticks(range(len(cells)), cells)
    ax.set_xlabel("rho: correlation of test input with the training image")
    ax.set_title(f"{kind} to {target} (seed mean, ±95% CI)")
    fig.colorbar(im, ax=ax)
  fig.tight_layout()
  fig.savefig(path, dpi=110)
  plt.close(fig)
  return True


def suites_bars(root, cells, path):
  summary = workdir.read_json(pathlib.Path(root) / "summary.json")
  suites = [n for n in summary["cells"][cells[0]]["suites"] if not n.startswith("rho_")]
  fig, axes = plt.subplots(1, 2, figsize=(11, 3.2), sharey=True)
  width = 0.8 / len(cells)
  for ax, target in zip(axes, ("identity", "constant")):
    for i, c in enumerate(cells):
      st = [summary["cells"][c]["suites"][n][f"corr_{target}"] for n in suites]
      mean = np.array([np.nan if s["mean"] is None else s["mean"] for s in st])
      err = np.array([0 if s["ci95_high"] is None else s["ci95_high"] - s["mean"] for s in st])
      ax.bar(np.arange(len(suites)) + i * width, mean, width, yerr=err, label=c, capsize=2)
    ax.set_xticks(np.arange(len(suites)) + 0.4 - width / 2, suites)
    ax.set_title(f"correlation to {target} (seed mean, 95% CI)")
    ax.axhline(0, color="k", lw=0.5)
  axes[0].legend(fontsize=7)
  fig.tight_layout()
  fig.savefig(path, dpi=110)
  plt.close(fig)


def loss_curves(root, cells, path):
  fig, ax = plt.subplots(figsize=(6, 3.5))
  for c in cells:
    _, a = load_cell(root, c)
    h = np.where(np.isfinite(a["loss_history"]), a["loss_history"], np.nan)
    steps = a["loss_steps"]
    line, = ax.plot(steps, np.nanmedian(h, axis=0), label=c)
    ax.fill_between(steps, np.nanmin(h, axis=0), np.nanmax(h, axis=0), alpha=0.2,
                    color=line.get_color())
  ax.set_yscale("log")
  ax.set_xlabel("step")
  ax.set_ylabel("training MSE (median, range over seeds)")
  ax.legend(fontsize=7)
  fig.tight_layout()
  fig.savefig(path, dpi=110)
  plt.close(fig)


def draw_all(root, cells) -> list[str]:
  """Draws every figure of a workdir; returns the files written."""
  root = pathlib.Path(root)
  written = []
  prediction_grid(root, cells, root / "prediction_grid.png")
  written.append("prediction_grid.png")
  for kind in ("corr", "mse"):
    if rho_heatmaps(root, cells, kind, root / f"heatmap_{kind}.png"):
      written.append(f"heatmap_{kind}.png")
  suites_bars(root, cells, root / "suites_corr.png")
  loss_curves(root, cells, root / "loss.png")
  return written + ["suites_corr.png", "loss.png"]
