"""The paper's claims, which cells of which study test them, and how each verdict is computed from
results/<study>/summary.json alone (tables.py writes them into RESULTS.md).

A claim's verdict is computed, never typed:
  expect  cell -> the regime the paper implies ("identity", "constant", "neither"), or "unfit" (most
          seeds do not fit: the paper's "fail to fit"). A cell counts only when at least
          MIN_FITTED_SHARE of its seeds fitted; else the claim is inconclusive there, and says why.
  trend   (suite, metric, direction, cells in order): the fitted seeds' means along the cells have a
          Spearman correlation with their order of at least TREND_RHO in that direction.
  same    groups of cells that should reach the same verdict (e.g. with and without biases).
  vary    groups of cells that should not all reach one verdict (e.g. optimizers with different
          biases): differs when every cell of the group fitted and they share one.

Verdicts: agrees, differs (which check), inconclusive (which cells, why), pending (the study has not
been run under the current rules), reported (the paper gives nothing to test against). A verdict
names the tested cells that are borderline (see `borderline`): their regime is a near coin flip per
seed, so a verdict resting on them is fragile.
"""

import dataclasses
import json
import pathlib

import numpy as np

from identity_jax.measures import regime
from identity_jax.study import paths, workdir
from identity_jax.study import summary as summary_lib

MIN_FITTED_SHARE = 0.9


TREND_RHO = 0.6


@dataclasses.dataclass(frozen=True)
class Claim:
  text: str
  figure: str
  study: str
  expect: dict = dataclasses.field(default_factory=dict)
  trend: tuple = ()          # (suite, metric, +1 increasing | -1 decreasing, (cells...))
  same: tuple = ()           # ((cells...), ...)
  vary: tuple = ()           # ((cells...), ...)
  suite: str = ""            # suite of the measured column ('' = the study's regime suite)


CLAIMS = (
    Claim("A 1-layer linear net learns W = W0 + u x^T (eq. 1): off the training image it outputs "
          "random noise, neither identity nor constant", "Fig 2, App. D", "linear_closed_form",
          expect={"linear_bias": "neither", "linear_nobias": "neither"}, suite="rho_0.00"),
    Claim("Deeper linear FCNs tend to the constant map; depth matters more than width",
          "Fig 5, 8b, 31", "linear_fcn_depth",
          expect={"w784_h0": "neither", "w784_h9": "constant", "w2048_h9": "constant"},
          trend=("rho_0.00", "corr_constant", +1,
                 ("w784_h0", "w784_h1", "w784_h2", "w784_h3", "w784_h5", "w784_h9")),
          suite="rho_0.00"),
    Claim("ReLU FCNs are biased to the constant map, more so with depth", "Fig 7, 8a, 17, 32",
          "relu_fcn_depth", expect={"h3": "constant", "h5": "constant", "h9": "constant"},
          trend=("patterns", "corr_constant", +1, ("h1", "h3", "h5", "h9"))),
    Claim("2-layer ReLU net: training the bottom layer alone gives noise off the training image; "
          "training both layers gives the constant map", "Fig 6", "two_layer_relu",
          expect={"w2048_bottom": "neither", "w16384_bottom": "neither", "w2048_both": "constant",
                  "w16384_both": "constant"}),
    Claim("ConvNets: shallow ones learn the identity, deep ones (from ~15-20 layers) the constant map",
          "Fig 3a, 9, 33", "convnet_depth",
          expect={"c1": "identity", "c3": "identity", "c5": "identity", "c8": "identity",
                  "c20": "constant", "c24": "constant"},
          trend=("patterns", "corr_identity", -1,
                 ("c1", "c3", "c5", "c8", "c12", "c16", "c20", "c24"))),
    Claim("The MSE view tells the same story: MSE to identity grows with depth", "Fig 31-33",
          "convnet_depth",
          trend=("patterns", "mse_identity", +1,
                 ("c1", "c3", "c5", "c8", "c12", "c16", "c20", "c24"))),
    Claim("A 5-layer ConvNet stays identity-like at other input sizes; a 20-layer one is constant",
          "Fig 3b, 18", "test_sizes", expect={"c5": "identity", "c20": "constant"}),
    Claim("Deeper nets are more constant at every training size; smaller images accentuate it",
          "Fig 4a", "train_sizes",
          expect={"s28_c1": "identity", "s28_c3": "identity", "s7_c8": "constant",
                  "s7_c12": "constant"},
          trend=("patterns", "corr_identity", -1, ("s14_c1", "s14_c3", "s14_c5", "s14_c8", "s14_c12"))),
    Claim("Few channels corrupt the identity; many channels do not overfit", "Fig 4b, 23", "channels",
          expect={"ch32": "identity", "ch64": "identity", "ch128": "identity", "ch256": "identity"},
          trend=("patterns", "corr_identity", +1,
                 ("ch2", "ch3", "ch4", "ch8", "ch16", "ch32", "ch64", "ch128", "ch256"))),
    Claim("3-channel ConvNets: shallow ones learn the identity; beyond 8 layers they fail to fit",
          "Fig 24", "channels3_depth",
          expect={"c3": "identity", "c4": "identity", "c5": "identity", "c10": "unfit",
                  "c12": "unfit"}),
    Claim("Larger filters blur the predictions; filters covering the whole input turn the nets "
          "towards the constant map",
          "Fig 27, 28", "filter_size", expect={"k5": "identity", "k57": "constant"},
          trend=("patterns", "corr_identity", -1, ("k5", "k9", "k15", "k29", "k57"))),
    Claim("Every initializer gives the identity for shallow (3-layer) nets", "Fig 29", "initializers",
          expect={f"{i}_c3": "identity" for i in ("torch_default", "paper_default", "xavier_normal",
                                                   "xavier_uniform", "kaiming_normal",
                                                   "kaiming_uniform")}),
    Claim("Optimizers reach minima with different biases (the paper names no depth or verdicts)",
          "Fig 30", "optimizers"),
    Claim("With 1-3 training images a memorizing FCN still memorizes; a shallow ConvNet learns the "
          "identity at every k", "Fig 1, 34-36", "multi_image",
          expect={"fcn_h3_k1": "constant", "fcn_h3_k2": "constant", "fcn_h3_k3": "constant",
                  "conv_c5_k1": "identity", "conv_c5_k2": "identity", "conv_c5_k3": "identity",
                  "conv_c5_many": "identity"}),
    Claim("Biases do not change the verdict (our open question)", "-", "biases",
          same=(("conv_c3_bias", "conv_c3_nobias"), ("conv_c8_bias", "conv_c8_nobias"),
                ("fcn_h3_bias", "fcn_h3_nobias"))),
    Claim("The learned function does not depend on the schedule or the budget (ours: the evidence "
          "that a CPU budget stands in for 2M steps; paired seeds)", "-", "schedules",
          same=(tuple(f"c5_{s}_{n}" for s in ("paper", "compressed", "constant") for n in (2000, 6000)),
                tuple(f"c8_{s}_{n}" for s in ("paper", "compressed", "constant") for n in (2000, 6000)))),
    Claim("At the paper's 128 channels the identity holds through the middle depths (to ~10-14 "
          "layers), weakening with depth", "Fig 3a, 9", "convnet_depth128",
          expect={"c5": "identity", "c8": "identity"},
          trend=("patterns", "corr_identity", -1, ("c5", "c8", "c12"))),
    Claim("At a depth where SGD (lr 0.01) learns the constant map, other optimizers find minima "
          "with other biases", "Fig 30", "optimizers_deep", expect={"sgd_1e-02": "constant"},
          vary=(("sgd_1e-02", "adam_1e-04", "rmsprop_1e-04", "adamax_1e-03"),)),
)


# Paired comparisons: study -> (reference cell -> the cells compared with it seed by seed).
PAIRED = {"schedules": {f"c{d}_paper_6000": tuple(f"c{d}_{s}_{n}" for s in ("paper", "compressed",
                                                                            "constant")
                                                  for n in (2000, 6000) if (s, n) != ("paper", 6000))
                        for d in (5, 8)}}


@dataclasses.dataclass(frozen=True)
class StudyRecord:
  """What claims and RESULTS.md's tables read of one study directory (results/<study>/ or a workdir):
  its summary.json (typed), per-seed rows, config and least_loss.json, and per cell the config it
  trained with and the step it stopped at, resumed runs included (summary.json's timing is the last
  run's)."""
  summary: summary_lib.StudySummary
  rows: list = ()                                           # per_seed.jsonl
  config: dict = dataclasses.field(default_factory=dict)      # config.json
  least_loss: dict = dataclasses.field(default_factory=dict)  # least_loss.json, where it applies
  steps_run: dict = dataclasses.field(default_factory=dict)   # cell -> result.json's steps_run
  cell_configs: dict = dataclasses.field(default_factory=dict)  # cell -> result.json's config

  @property
  def cells(self) -> dict:
    """Cell name -> its CellSummary."""
    return self.summary.cells

  @property
  def suite(self) -> str:
    """The study's regime suite."""
    return self.summary.rule.suite


def load(results_dir) -> dict:
  """study -> its StudyRecord, for every results/<study>/."""
  root = pathlib.Path(results_dir)
  return {p.parent.name: load_study_dir(p.parent) for p in sorted(root.glob("*/" + paths.SUMMARY))}


def load_study_dir(directory) -> StudyRecord:
  directory = pathlib.Path(directory)
  summary = workdir.read_json(directory / paths.SUMMARY)
  rows = directory / paths.PER_SEED
  try:
    rows = [json.loads(l) for l in rows.read_text().splitlines()] if rows.is_file() else []
  except ValueError as e:
    raise workdir.corrupt(directory / paths.PER_SEED, f"is not valid JSON lines ({e})") from None
  config, least = directory / paths.CONFIG, directory / paths.LEAST_LOSS
  results = {p.parent.name: workdir.read_json(p)
             for p in sorted(directory.glob(f"{paths.CELLS}/*/{paths.RESULT}"))}
  for name, r in results.items():
    if not (isinstance(r, dict) and "steps_run" in r and "config" in r):
      raise workdir.corrupt(paths.cell_dir(directory, name) / paths.RESULT,
                            "is not a cell's result (no steps_run or config)")
  try:
    typed = summary_lib.StudySummary.from_json(summary)
  except (KeyError, TypeError, AttributeError) as e:
    raise workdir.corrupt(directory / paths.SUMMARY, f"is not a study's summary ({e!r})") from None
  return StudyRecord(
      summary=typed, rows=rows, config=workdir.read_json(config) if config.is_file() else {},
      least_loss=workdir.read_json(least) if least.is_file() else {},
      steps_run={name: r["steps_run"] for name, r in results.items()},
      cell_configs={name: r["config"] for name, r in results.items()})


def _spearman(values) -> float:
  ranks = np.argsort(np.argsort(values))
  order = np.arange(len(values))
  if np.std(ranks) == 0:
    return 0.0
  return float(np.corrcoef(ranks, order)[0, 1])


def out_of_reach(name: str, study: StudyRecord) -> str:
  """'k cannot fit at any budget' when the study's least_loss.json puts k of the cell's seeds'
  least reachable loss above the fit tolerance, else ''."""
  seeds = study.least_loss.get(name, {}).get("seeds", [])
  k = sum(not r["reachable"] for r in seeds)
  return f"{k} cannot fit at any budget" if k else ""


def seed_rows(name: str, study: StudyRecord, status: str) -> list:
  """Cell `name`'s per_seed.jsonl rows on the study's regime suite, of the seeds with `status`."""
  return [r for r in study.rows
          if r["cell"] == name and r["suite"] == study.suite and r["status"] == status]


def flat_cosines(name: str, study: StudyRecord) -> list:
  """The cosine with the training image of each dead seed's output in cell `name`, on the regime
  suite, ascending. A dead seed's output is one fixed image whatever the input, so this says which:
  near 1, the training image itself (a constant-function net still closing in on it, which more
  steps may fit); lower, an image unlike it (at the lowest, a uniform image: nothing of the training
  image learned)."""
  return sorted(r["cos_constant"] for r in seed_rows(name, study, regime.DEAD))


def borderline(cell: summary_lib.CellSummary, study: StudyRecord) -> bool:
  """Whether the fitted seeds' mean corr to identity, or |mean corr to constant|, has a t interval
  holding the regime threshold. Seeds there fall on either side of it by small margins (a rerun in
  another summation order moved one across), so the cell's regime share says less than the mean
  and its interval; the verdict rule is unchanged, the cell is named."""
  if cell.verdict not in cell.regimes:  # inconclusive or split: nothing to qualify
    return False
  rule = study.summary.rule
  return rule.near_threshold(cell.stat(rule.suite, "corr_identity"),
                             cell.stat(rule.suite, "corr_constant"))


def judge(claim: Claim, studies: dict) -> str:
  """The claim's verdict from the studies' StudyRecords (see the module docstring)."""
  verdict = _judge(claim, studies)
  if verdict.startswith(("pending", "reported")):
    return verdict
  study = studies[claim.study]
  edge = [c for c in cells_of(claim) if borderline(study.cells[c], study)]
  return verdict + (f"; borderline: {', '.join(edge)}" if edge else "")


def _judge(claim: Claim, studies: dict) -> str:
  if claim.study not in studies:
    return "pending: not yet run under the current rules"
  cells = studies[claim.study].cells
  named = set(cells_of(claim))
  missing = sorted(c for c in named if c not in cells)
  if missing:
    return f"pending: cells {', '.join(missing)} not in results"
  differs, unsure = [], []
  thin = lambda c: cells[c].fitted_share < MIN_FITTED_SHARE
  why = lambda c: ", ".join(filter(None, (
      f"{c} fitted {cells[c].fitted}/{cells[c].seeds}", out_of_reach(c, studies[claim.study]))))
  for c, want in claim.expect.items():
    if want == "unfit":
      if cells[c].fitted_share >= 0.5:
        differs.append(f"{c} fitted ({why(c)})")
    elif thin(c):
      unsure.append(why(c))
    elif cells[c].verdict != want:
      differs.append(f"{c} {cells[c].verdict}, not {want}")
  if claim.trend:
    suite, metric, sign, order = claim.trend
    usable = [c for c in order if not thin(c) and cells[c].mean(suite, metric) is not None]
    unsure += [why(c) for c in order if thin(c) and why(c) not in unsure]
    if len(usable) >= 3:
      rho = _spearman([cells[c].mean(suite, metric) for c in usable])
      if sign * rho < TREND_RHO:
        differs.append(f"{metric} trend over {len(usable)} cells: Spearman {rho:+.2f}")
    else:
      unsure.append(f"trend: only {len(usable)} cells with >= {MIN_FITTED_SHARE:.0%} fitted")
  for group in claim.same:
    usable = [c for c in group if not thin(c)]
    unsure += [why(c) for c in group if thin(c) and why(c) not in unsure]
    verdicts = sorted({cells[c].verdict for c in usable})
    if len(verdicts) > 1:
      differs.append(" vs ".join(f"{c} {cells[c].verdict}" for c in usable))
  for group in claim.vary:
    usable = [c for c in group if not thin(c)]
    verdicts = sorted({cells[c].verdict for c in usable})
    if len(verdicts) > 1:
      continue  # shown to differ, whatever the thin cells would read
    if len(usable) < len(group):  # a thin cell could still differ
      unsure += [why(c) for c in group if thin(c) and why(c) not in unsure]
    else:
      differs.append(f"{', '.join(usable)} all {verdicts[0]}")
  if not (claim.expect or claim.trend or claim.same or claim.vary):
    return "reported"
  if differs:
    return "differs: " + "; ".join(differs) + (f" (inconclusive: {'; '.join(unsure)})" if unsure else "")
  if unsure:
    return "inconclusive: " + "; ".join(unsure)
  return "agrees"


def cells_of(claim: Claim) -> list:
  order = list(claim.expect) + list(claim.trend[3] if claim.trend else ()) + \
      [c for group in claim.same + claim.vary for c in group]
  return list(dict.fromkeys(order))
