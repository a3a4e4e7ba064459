"""The layer-wise analyses' figures, pure functions of what run.py wrote (analyses.json's numbers,
analyses.npz's images) returning matplotlib Figures; reporting/figure_registry.py names and saves
them (run.py's docstring says what each shows)."""


import matplotlib.pyplot as plt
import numpy as np

from identity_jax.analyses import weights
from identity_jax.analyses.run import SIZES, UNTRAINED
from identity_jax.data import images
from identity_jax.measures import stats


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


def _colors(n: int) -> list:
  """One colour per cell: matplotlib's 10-colour cycle repeats from the 11th line on."""
  cmap = plt.get_cmap("tab10" if n <= 10 else "tab20")
  return [cmap(i % cmap.N) for i in range(n)]


def collapse_figure(numbers: dict, cells):
  fig, ax = plt.subplots(figsize=(7.5, 3.5))
  for c, color in zip(cells, _colors(len(cells))):
    _mean_band(ax, numbers[c]["collapse_trained"], f"{c} trained", color=color)
    _mean_band(ax, numbers[c]["collapse_untrained"], f"{c} untrained", ls="--", color=color)
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
  for ax, (tensor, plural) in zip(axes, (("kernel", "kernels"), ("bias", "biases"))):
    for c, color in zip(cells, _colors(len(cells))):
      wc = numbers[c]["weight_change"]
      layers = [l for l in weights.layer_order(wc) if tensor in wc[l]]
      if layers:
        _mean_band(ax, np.array([wc[l][tensor] for l in layers]).T, c, color=color)
    ax.set_xlabel("layer")
    ax.set_yscale("log")
    ax.set_title(f"relative l2 change of {plural} from init", fontsize=9)
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
      images.show(axes[i, j], pics[f"{c}/layers/{t}/{k}"][i], f"{t} {k}" if i == 0 else None)
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
    images.show(axes[0, j], inputs[j])
    for i, t in enumerate(tops):
      images.show(axes[i + 1, j], pics[f"{c}/upper/top_{t}"][0, j])
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
    images.show(axes[0, j], pics[f"{c}/sizes/{s}/inputs"][0], f"{s}x{s}")
    for i in range(n_seeds):
      images.show(axes[i + 1, j], pics[f"{c}/sizes/{s}/predictions"][i, 0])
  for i in range(n_seeds):
    axes[i + 1, 0].set_ylabel(f"seed {numbers[c]['seeds'][i]}", fontsize=6)
  fig.suptitle(f"{c}: predictions at other input sizes, a row per seed", fontsize=8)
  fig.tight_layout(pad=0.2, rect=(0, 0, 1, 0.94))
  return fig
