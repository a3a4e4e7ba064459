r"""Trains every cell of an experiment config over its seeds; writes results and figures to --workdir.

  identity-jax-run --config=CONFIGS/default.py:quick --workdir=workdirs/default \
      [--config.num_seeds=16 --config.train.num_steps=3000 ...] [--quiet]

CONFIGS is the package's configs directory: identity-jax-studies prints each study's command with
its full path (in a checkout, identity_jax/configs/; `python experiments/main.py` is the same
binary). One config per study of the paper, each with presets quick (minutes on a 2-core CPU),
paper (the paper's budget) and tiny (tests).
Rerunning the same command skips finished cells and resumes an interrupted one from its checkpoint;
a workdir holding another experiment is refused. Rerun with more seeds (--config.num_seeds=16) to add
seeds to finished cells: only the new ones train. Progress goes to the console and to <workdir>/log.txt.
"""

from absl import flags
from ml_collections import config_flags

from identity_jax.commands import cli
from identity_jax.runs import experiment
from identity_jax.study import summary as summary_lib
from identity_jax.training import multihost

_CONFIG = config_flags.DEFINE_config_file(
    "config", None, "Experiment config file with ':preset' (quick | paper | tiny); any field can be "
    "overridden as --config.field=value.", lock_config=True)
_WORKDIR = flags.DEFINE_string("workdir", None, "Directory for results, figures and log.txt.")
_QUIET = flags.DEFINE_bool(
    "quiet", False, "Print only errors and the final table (for batch jobs); log.txt still gets "
    "every progress line.")
_DISTRIBUTED = flags.DEFINE_bool(
    "jax_distributed", False,
    "Start jax's multi-process runtime first (jax.distributed.initialize), for a job over several "
    "hosts: the seeds are sharded over every host's devices, process 0 writes the results. Without "
    "the three flags below the environment is auto-detected (TPU pods, Slurm, Open MPI).")
_COORDINATOR = flags.DEFINE_string("coordinator_address", "", "host:port of process 0 "
                                   "(--jax_distributed).")
_NUM_PROCESSES = flags.DEFINE_integer("num_processes", 0, "Processes in the job (--jax_distributed).")
_PROCESS_ID = flags.DEFINE_integer("process_id", -1, "This process's index, 0-based "
                                   "(--jax_distributed).")
_CELLS = flags.DEFINE_list(
    "cells", [], "Train only these cells (comma-separated names); default: every cell. Jobs given "
    "different cells may share one --workdir; each cell is trained by one job only.")
_SHARD = flags.DEFINE_string(
    "shard", "", "i/n: train the i-th of every n cells (0-based), e.g. 0/2 and 1/2 on two machines "
    "sharing the workdir. Tables and figures cover every finished cell; rerun to refresh them.")
_MAX_NEW_SEEDS = flags.DEFINE_integer(
    "max_new_seeds", 0, "Train at most this many of each cell's missing seeds (0: all): a cell too "
    "long for one sitting is trained in blocks; each block is saved (publish --partial keeps it in "
    "results/) and rerunning the same command adds the next.")
flags.mark_flags_as_required(["config", "workdir"])
flags.adopt_module_key_flags(cli)  # --cpu_devices in --help


def main(argv):
  del argv
  if _DISTRIBUTED.value:
    multihost.initialize(_COORDINATOR.value, _NUM_PROCESSES.value, _PROCESS_ID.value)
  summary = experiment.run(_CONFIG.value, _WORKDIR.value,
                           log=(lambda _: None) if _QUIET.value else print,
                           only=_CELLS.value, shard=_SHARD.value,
                           max_new_seeds=_MAX_NEW_SEEDS.value)
  if not multihost.is_writer():
    return
  print(f"results and figures in {_WORKDIR.value}")
  study = summary_lib.StudySummary.from_json(summary)
  suite = study.rule.suite
  fmt = lambda v: "n/a" if v is None else f"{v:+.3f}"
  for cell, s in study.cells.items():
    print(f"  {cell:14s} {s.status}; fitted seeds: corr to identity "
          f"{fmt(s.mean(suite, 'corr_identity'))}, to constant {fmt(s.mean(suite, 'corr_constant'))} "
          f"({suite}); regimes " + ", ".join(f"{k} {v['count']}" for k, v in s.regimes.items())
          + f" -> {s.verdict}")


def entry():
  """The console script identity-jax-run."""
  cli.run(main)
