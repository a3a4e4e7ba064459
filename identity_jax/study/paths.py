"""The files of a workdir, named in one place. results/<study>/ (publish.py) holds the same names,
less the arrays, parameters and checkpoints.

  <root>/experiment.json           MARKER   the experiment's name; per cell, its recorded config
  <root>/config.json               CONFIG   the experiment config as run
  <root>/summary.json              SUMMARY  per cell: seed statistics (summary.py)
  <root>/per_seed.jsonl            PER_SEED one row per cell, seed and suite
  <root>/log.txt                   LOG      every progress line
  <root>/analyses.json, .npz       ANALYSES, ANALYSES_ARRAYS (identity-jax-analyze)
  <root>/least_loss.json           LEAST_LOSS where a closed form applies (analyses/reachable.py)
  <root>/.lock                     LOCK     held while the marker and tables are written
  results/<study>/array_figures.json  ARRAY_FIGURES  published only: the cells each array figure draws
  <root>/cells/<cell>/             cell_dir(root, cell):
      result.json                  RESULT   its presence marks the cell finished (results.py)
      arrays.npz, params.npz       ARRAYS, PARAMS
      checkpoint/                  CHECKPOINT while it trains
      .lock                        LOCK     held by the job training it
"""

import pathlib

MARKER, CONFIG, SUMMARY, PER_SEED, LOG = (
    "experiment.json", "config.json", "summary.json", "per_seed.jsonl", "log.txt")
ANALYSES, ANALYSES_ARRAYS, LEAST_LOSS = "analyses.json", "analyses.npz", "least_loss.json"
ARRAY_FIGURES = "array_figures.json"
LOCK = ".lock"
CELLS = "cells"
RESULT, ARRAYS, PARAMS, CHECKPOINT = "result.json", "arrays.npz", "params.npz", "checkpoint"


def cell_dir(root, cell: str) -> pathlib.Path:
  return pathlib.Path(root) / CELLS / cell
