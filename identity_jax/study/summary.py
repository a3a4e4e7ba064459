"""A study: its finished cells (Study, load_study), their statistics, summary.json and per_seed.jsonl.

Regimes and every metric statistic count fitted seeds only (stats.py); the other seeds are counted
beside them (status_counts) and their final losses summarized apart.
"""

import dataclasses
import datetime
import functools
import json
import pathlib
import platform

import jax
import numpy as np

import identity_jax
from identity_jax import atomic
from identity_jax.errors import WorkdirError
from identity_jax.measures import metrics, stats
from identity_jax.measures.regime import FITTED, STATUSES, RegimeRule
from identity_jax.study import paths, results, workdir
from identity_jax.study.results import CellResult
from identity_jax.training import host


@dataclasses.dataclass(frozen=True)
class CellSummary:
  """One cell's statistics over its seeds: summary.json's cells.<name>, typed. Every regime share and
  metric statistic counts fitted seeds only; the other statuses are counted beside."""
  status_counts: dict         # status -> seeds (regime.STATUSES)
  status: str                 # status_line(status_counts)
  dead_at_init: int           # seeds whose output was already flat at initialization
  regimes: dict               # regime -> stats.regime_shares entry (count, n, share, Wilson interval)
  verdict: str                # identity | constant | neither | split | inconclusive (stats.verdict)
  regimes_cosine: dict        # the same rule on cosine similarity
  cosine_agrees: int          # fitted seeds the cosine rule classifies as the correlation rule does
  suites: dict                # suite -> metric -> stats.summarize over fitted seeds
  test_sizes: dict            # "size" -> suite -> metric -> stats.summarize
  fitted_at: dict             # stats.summarize of the step each fitted seed fitted at
  final_loss_not_fitted: dict  # stats.summarize of the other seeds' final losses
  seed_stream: str
  timing: dict                # train_seconds, compile_seconds, seed_steps_per_second, cpu

  @property
  def seeds(self) -> int:
    return sum(self.status_counts.values())

  @property
  def fitted(self) -> int:
    return self.status_counts.get(FITTED, 0)

  @property
  def fitted_share(self) -> float:
    return self.fitted / max(1, self.seeds)

  def stat(self, suite: str, metric: str) -> dict | None:
    """stats.summarize of `metric` on `suite` over the fitted seeds; None where not measured."""
    return self.suites.get(suite, {}).get(metric)

  def mean(self, suite: str, metric: str) -> float | None:
    """The fitted seeds' mean of `metric` on `suite`; None when no seed fitted or not measured."""
    return (self.stat(suite, metric) or {}).get("mean")

  def to_json(self) -> dict:
    return dataclasses.asdict(self)

  @classmethod
  def from_json(cls, d: dict) -> "CellSummary":
    return cls(**{f.name: d.get(f.name, _OPTIONAL.get(f.name)) for f in dataclasses.fields(cls)})


# Fields a summary.json written by an earlier identity_jax may lack.
_OPTIONAL = dict(dead_at_init=0, regimes_cosine={}, cosine_agrees=0, test_sizes={}, seed_stream="")


@dataclasses.dataclass(frozen=True)
class StudySummary:
  """summary.json, typed: a study's cells' statistics, their order and the regime rule."""
  name: str
  cells: dict                 # cell name -> CellSummary
  order: list                 # the cells in the study's order (Study.ordered)
  rule: RegimeRule
  preset: str | None
  paired_seeds: bool
  environment: dict
  partial: dict = dataclasses.field(default_factory=dict)  # Study.partial: cell -> [held, asked]

  def ordered(self) -> list:
    return [c for c in (self.order or self.cells) if c in self.cells]

  def to_json(self) -> dict:
    return dict(name=self.name, cells={c: s.to_json() for c, s in self.cells.items()},
                order=self.order, regime_rule=self.rule.to_json(), preset=self.preset,
                paired_seeds=self.paired_seeds, environment=self.environment,
                partial=self.partial)

  @classmethod
  def from_json(cls, d: dict) -> "StudySummary":
    return cls(name=d["name"], cells={c: CellSummary.from_json(s) for c, s in d["cells"].items()},
               order=d.get("order") or list(d["cells"]), rule=RegimeRule.from_json(d["regime_rule"]),
               preset=d.get("preset"), paired_seeds=d.get("paired_seeds", True),
               environment=d.get("environment") or {},
               partial={c: tuple(v) for c, v in (d.get("partial") or {}).items()})


@dataclasses.dataclass
class Study:
  """Every finished cell of a workdir, loaded once; what figures and tables are drawn from."""
  name: str
  config: dict               # the experiment config as recorded (config.json)
  cells: dict                # cell name -> CellResult, in the config's order
  root: pathlib.Path | None = None
  # cell -> (seeds held, seeds asked): a cell trained in blocks (--max_new_seeds) whose result holds
  # fewer seeds than its config asks. Not among `cells`: no statistic is drawn from part of a cell.
  partial: dict = dataclasses.field(default_factory=dict)

  @property
  def plots(self) -> dict:
    return self.config.get("plots", {})

  @property
  def regime_suite(self) -> str:
    return self.config["metrics"]["regime_suite"]

  @functools.cached_property
  def stats(self) -> dict:
    """Cell name -> its CellSummary (summarize_cell), computed once."""
    return {c: summarize_cell(self.cells[c]) for c in self.ordered()}

  def ordered(self) -> list:
    """Cells by (plots.group_by value, plots.sweep value) when a sweep is set (configs list cells
    by name, which puts c12 before c3); otherwise in the config's order."""
    sweep, group_by = self.plots.get("sweep", ""), self.plots.get("group_by", "")
    if not sweep:
      return list(self.cells)
    number = lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)
    def key(c):
      group = self.field(c, group_by) if group_by else 0
      x = self.field(c, sweep)
      return ((0, group, "") if number(group) else (1, 0, str(group)), x if number(x) else 0, c)
    return sorted(self.cells, key=key)

  def field(self, cell: str, dotted: str):
    """A field of a cell's config, e.g. 'model.num_layers'."""
    return workdir.dotted(self.cells[cell].config, dotted)


def cell_names(config: dict) -> list:
  return list(config.get("cells") or {"base": {}})


def load_study(root, cells=None, with_arrays: bool = True) -> Study:
  """The finished cells (or those of `cells`) of the workdir `root`, which identity-jax-run wrote."""
  root = pathlib.Path(root)
  fix = "point --workdir at a directory that identity-jax-run wrote"
  if not (root / paths.MARKER).is_file() or not (root / paths.CONFIG).is_file():
    raise WorkdirError(f"{root} holds no identity_jax experiment (no {paths.MARKER})", fix)
  config = workdir.read_json(root / paths.CONFIG)
  asked = seeds_asked(root)
  names = [c for c in cell_names(config) if results.is_finished(paths.cell_dir(root, c))
           and (cells is None or c in cells)]
  loaded = {c: results.load(paths.cell_dir(root, c), with_arrays) for c in names}
  held = {c: len(r.seeds) for c, r in loaded.items()}
  partial = {c: (n, asked[c]) for c, n in held.items() if n < asked.get(c, n)}
  return Study(name=config["name"], config=config, root=root, partial=partial,
               cells={c: r for c, r in loaded.items() if c not in partial})


def seeds_held(held_asked) -> str:
  """A partial cell's (held, asked) as '3/8 seeds': how the log, publish and the claims say it."""
  held, asked = held_asked
  return f"{held}/{asked} seeds"


def seeds_asked(root) -> dict:
  """cell -> the seeds its recorded config asks for (the marker's record; a cell recorded without
  one is left out)."""
  marker = workdir.read_json(pathlib.Path(root) / paths.MARKER)
  return {c: r["config"]["num_seeds"] for c, r in marker.get("cells", {}).items()
          if isinstance(r, dict) and isinstance(r.get("config"), dict) and "num_seeds" in r["config"]}




def side_by_side(studies: list, group_by: str = "study") -> Study:
  """The finished cells of several studies as one Study ('<study>:<cell>'), grouped by the config
  field `group_by` ('study': the study a cell came from, added to its config here) along the first
  study's sweep field, for figures that set studies side by side (e.g. model families over depth).
  The first study's config gives suites and the regime rule."""
  first = studies[0]
  config = {**first.config, "name": " vs ".join(s.name for s in studies),
            "plots": {**first.plots, "group_by": group_by}}
  return Study(name=config["name"], config=config, cells={
      f"{s.name}:{c}": dataclasses.replace(r, config={**r.config, "study": s.name})
      for s in studies for c, r in s.cells.items()})


def layout(configs: dict, cells: list, sweep: str, group_by: str) -> dict:
  """{group_by value: [(sweep value, cell)]} of `cells` from their recorded configs (cell -> config;
  dotted field names): how sweep figures, the phase diagram and RESULTS.md's phase table place the
  cells. Without a sweep field x is the cell's position; without group_by, one group ''."""
  groups = {}
  for i, c in enumerate(cells):
    x = workdir.dotted(configs[c], sweep) if sweep else i
    g = workdir.dotted(configs[c], group_by) if group_by else ""
    groups.setdefault(g, []).append((x, c))
  return groups


def status_line(counts: dict, notes: dict | None = None) -> str:
  """e.g. 'fitted 7/9; not_fitted 1, diverged 1' (zero counts left out); notes: status -> text put
  after its count ('dead 2 (cos to train 0.30)')."""
  total = sum(counts.values())
  note = lambda k: f" {notes[k]}" if notes and k in notes else ""
  # in STATUSES' order: counts read back from summary.json have their keys sorted
  rest = ", ".join(f"{k} {counts[k]}{note(k)}" for k in STATUSES if k != FITTED and counts.get(k))
  return f"fitted {counts[FITTED]}/{total}" + (f"; {rest}" if rest else "")


def summarize_cell(cell: CellResult) -> CellSummary:
  fitted, seeds = cell.fitted, cell.seeds
  others = [s for s in seeds if not s.fitted]
  by_corr = [r for r in cell.regimes() if r is not None]
  by_cosine = [r for r in cell.regimes("cos") if r is not None]
  counts = cell.status_counts()
  shares = stats.regime_shares(by_corr)
  over_fitted = lambda pick: {m: stats.summarize([pick(s)[m] for s in fitted]) for m in metrics.METRICS}
  return CellSummary(
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


def summarize(study: Study, env: dict | None = None) -> StudySummary:
  """summary.json's content, typed. env: the environment to record (default: this process's)."""
  config = study.config
  # JSON files are written with sorted keys: `order` keeps the cells' order (Study.ordered).
  return StudySummary(name=config["name"], cells=study.stats, order=study.ordered(),
                      rule=RegimeRule.of(config["metrics"]), preset=config.get("preset"),
                      paired_seeds=config.get("paired_seeds", True),
                      environment=env or environment(), partial=dict(study.partial))


def per_seed_rows(study: Study) -> list:
  """One row per (cell, seed, suite): the table to recompute any statistic from."""
  return [dict(cell=c, seed=s.seed, status=s.status, regime=s.regime, final_loss=s.final_loss,
               output_spread=s.output_spread, suite=suite, **ms)
          for c in study.ordered() for s in study.cells[c].seeds for suite, ms in s.suites.items()]


def write_tables(study: Study, root=None, env: dict | None = None) -> dict:
  """Writes summary.json and per_seed.jsonl into `root` (default: the study's workdir); returns
  summary.json's content."""
  root = pathlib.Path(root or study.root)
  atomic.write_bytes(root / paths.PER_SEED,
                     "".join(json.dumps(row) + "\n" for row in per_seed_rows(study)).encode())
  out = summarize(study, env).to_json()
  atomic.write_json(root / paths.SUMMARY, out)
  return out


def environment() -> dict:
  import flax  # noqa: E401 (versions only)
  import optax
  return dict(identity_jax=identity_jax.__version__, jax=jax.__version__, flax=flax.__version__,
              optax=optax.__version__, numpy=np.__version__, python=platform.python_version(),
              backend=jax.default_backend(), devices=[d.device_kind for d in jax.devices()],
              host=platform.node(), cpu=host.cpu_model(),
              time=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"))
