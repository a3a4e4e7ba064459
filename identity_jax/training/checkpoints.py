"""A run's checkpoints: its state and loss history saved with orbax, restored on a rerun; a damaged
checkpoint is set aside, never in the way. Beside each save, the training seconds spent up to it
(<dir>.seconds.json), so a resumed run's time counts the processes before it."""

import json
import logging
import pathlib
import time

import numpy as np

from identity_jax import atomic
from identity_jax.training import multihost


class Checkpoints:
  """The run's state and loss history saved into `directory` (orbax); none when directory is None.
  Every process saves (a collective), so all take the same decision to save: process 0's. A
  checkpoint that cannot be restored (a file cut short or missing) is set aside (checkpoint/seeds_i
  -> checkpoint.damaged-<time>/seeds_i), said so, and those seeds start from scratch: it never
  blocks the cell."""

  def __init__(self, directory, minutes: float):
    self.minutes, self.last = minutes, time.perf_counter()
    self.started = self.last
    self.earlier = 0.0  # seconds of the runs before the restored save; None: not recorded
    self.manager = None
    if directory is not None:
      import orbax.checkpoint as ocp  # lazily: slow to import, and most runs do not save
      self.ocp, self.directory = ocp, pathlib.Path(directory).absolute()
      try:
        self.manager = self._open()
      except Exception as e:  # noqa: BLE001 (orbax raises many kinds on damaged metadata)
        self._set_aside(e)
        self.manager = self._open()

  def _open(self):
    return self.ocp.CheckpointManager(
        self.directory,
        options=self.ocp.CheckpointManagerOptions(max_to_keep=1, enable_async_checkpointing=False))

  def _set_aside(self, error: Exception) -> None:
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    # Beside the checkpoint directory, which is deleted once the cell's results are written.
    parent = self.directory.parent
    aside = parent.with_name(f"{parent.name}.damaged-{stamp}") / self.directory.name
    if multihost.is_writer() and self.directory.exists():
      aside.parent.mkdir(parents=True, exist_ok=True)
      self.directory.rename(aside)
    reason = " ".join(f"{type(error).__name__}: {error}".split())[:300]
    logging.warning("checkpoint %s could not be restored (%s); set aside as %s, and these seeds "
                    "train from the start", self.directory, reason, aside)

  def restore(self, state, history):
    """(state, history, chunk to start from): the latest save, or what was given and chunk 0."""
    if self.manager is None:
      return state, history, 0
    error = None
    try:
      start = self.manager.latest_step()
      if start is not None:
        restored = self.manager.restore(start, args=self.ocp.args.StandardRestore(
            {"state": state, "history": history}))
    except Exception as e:  # noqa: BLE001 (a damaged checkpoint: any error orbax raises)
      error = e
    if multihost.anyone(error is not None):  # every process starts over if any part is damaged
      self.manager.close()
      self._set_aside(error or RuntimeError("another process could not restore its part"))
      self.manager = self._open()
      return state, history, 0
    if start is None:
      return state, history, 0
    self.earlier = self._seconds_at(start)
    return restored["state"], np.asarray(restored["history"]), start

  @property
  def _seconds_file(self) -> pathlib.Path:
    return self.directory.with_name(self.directory.name + ".seconds.json")

  def _seconds_at(self, chunk: int):
    """The seconds recorded with the save of `chunk`; None when not recorded (a save made before
    they were, or a file that belongs to another save)."""
    try:
      record = json.loads(self._seconds_file.read_text())
      return float(record["seconds"]) if record.get("chunk") == chunk else None
    except (OSError, ValueError, KeyError, TypeError):
      return None

  def maybe_save(self, chunk: int, state, history) -> None:
    if self.manager is None:
      return
    if multihost.agree(bool(time.perf_counter() - self.last >= 60 * self.minutes)):
      self.manager.save(chunk, args=self.ocp.args.StandardSave({"state": state, "history": history}))
      self.last = time.perf_counter()
      if multihost.is_writer():
        seconds = None if self.earlier is None else self.earlier + self.last - self.started
        atomic.write_json(self._seconds_file, dict(chunk=chunk, seconds=seconds))

  def close(self) -> None:
    if self.manager is not None:
      self.manager.wait_until_finished()
      self.manager.close()


