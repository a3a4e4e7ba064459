"""Statistics of a study's cells: summary.json and per_seed.jsonl, computed from its CellResults.

Regimes and every metric statistic count fitted seeds only (stats.py); the other seeds are counted
beside them (status_counts) and their final losses summarized apart.
"""

import datetime
import json
import pathlib
import platform

import jax
import numpy as np

import identity_jax
from identity_jax import host, metrics, stats, workdir
from identity_jax.results import FITTED, STATUSES, CellResult, Study

SUMMARY, PER_SEED = "summary.json", "per_seed.jsonl"


def status_line(counts: dict, notes: dict | None = None) -> str:
  """e.g. 'fitted 7/9; not_fitted 1, diverged 1' (zero counts left out); notes: status -> text put
  after its count ('dead 2 (cos to train 0.30)')."""
  total = sum(counts.values())
  note = lambda k: f" {notes[k]}" if notes and k in notes else ""
  # in STATUSES' order: counts read back from summary.json have their keys sorted
  rest = ", ".join(f"{k} {counts[k]}{note(k)}" for k in STATUSES if k != FITTED and counts.get(k))
  return f"fitted {counts[FITTED]}/{total}" + (f"; {rest}" if rest else "")


def summarize_cell(cell: CellResult) -> dict:
  fitted, seeds = cell.fitted, cell.seeds
  others = [s for s in seeds if not s.fitted]
  by_corr = [r for r in cell.regimes() if r is not None]
  by_cosine = [r for r in cell.regimes("cos") if r is not None]
  counts = cell.status_counts()
  shares = stats.regime_shares(by_corr)
  over_fitted = lambda pick: {m: stats.summarize([pick(s)[m] for s in fitted]) for m in metrics.METRICS}
  return dict(
      status_counts=counts,
      status=status_line(counts),
      dead_at_init=sum(bool(s.dead_at_init) for s in seeds),
      regimes=shares,
      verdict=stats.verdict(counts, shares),
      # The same rule on cosine similarity instead of Pearson correlation (an open question of
      # the paper's wording): its shares, and how many fitted seeds it classifies the same way.
      regimes_cosine=stats.regime_shares(by_cosine),
      cosine_agrees=sum(a == b for a, b in zip(by_cosine, by_corr)),
      suites={name: over_fitted(lambda s, n=name: s.suites[n]) for name in seeds[0].suites},
      test_sizes={size: {name: over_fitted(lambda s, z=size, n=name: s.test_sizes[z][n])
                         for name in by}
                  for size, by in seeds[0].test_sizes.items()},
      fitted_at=stats.summarize([s.fitted_at for s in fitted]),
      final_loss_not_fitted=stats.summarize([s.final_loss for s in others]),
      seed_stream=cell.seed_stream,
      timing=cell.timing)


def summarize(study: Study, env: dict | None = None) -> dict:
  """summary.json's content. env: the environment to record (default: this process's)."""
  config = study.config
  # JSON files are written with sorted keys: `order` keeps the cells' order (results.Study.ordered).
  return dict(name=config["name"], cells=study.stats, order=study.ordered(),
              regime_rule=dict(suite=config["metrics"]["regime_suite"],
                               threshold=config["metrics"]["regime_threshold"],
                               doc=stats.__doc__.strip()),
              preset=config.get("preset"), paired_seeds=config.get("paired_seeds", True),
              environment=env or environment())


def per_seed_rows(study: Study) -> list:
  """One row per (cell, seed, suite): the table to recompute any statistic from."""
  return [dict(cell=c, seed=s.seed, status=s.status, regime=s.regime, final_loss=s.final_loss,
               output_spread=s.output_spread, suite=suite, **ms)
          for c in study.ordered() for s in study.cells[c].seeds for suite, ms in s.suites.items()]


def write_tables(study: Study, root=None, env: dict | None = None) -> dict:
  """Writes summary.json and per_seed.jsonl into `root` (default: the study's workdir)."""
  root = pathlib.Path(root or study.root)
  workdir.write_bytes(root / PER_SEED,
                      "".join(json.dumps(row) + "\n" for row in per_seed_rows(study)).encode())
  out = summarize(study, env)
  workdir.write_json(root / SUMMARY, out)
  return out


def environment() -> dict:
  import flax, optax  # noqa: E401 (versions only)
  return dict(identity_jax=identity_jax.__version__, jax=jax.__version__, flax=flax.__version__,
              optax=optax.__version__, numpy=np.__version__, python=platform.python_version(),
              backend=jax.default_backend(), devices=[d.device_kind for d in jax.devices()],
              host=platform.node(), cpu=host.cpu_model(),
              time=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"))
