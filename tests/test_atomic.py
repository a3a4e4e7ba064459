"""atomic.write_bytes: a whole new file or the old one, never half; a WriteError naming the path."""

import errno
import os

import numpy as np
import pytest

from identity_jax import atomic
from identity_jax.errors import WorkdirError, WriteError


def _leftovers(directory):
  return [p.name for p in directory.iterdir() if p.name.startswith(".")]


def test_write_replaces_whole_file_with_umask_mode(tmp_path):
  path = tmp_path / "sub" / "result.json"
  atomic.write_json(path, dict(a=np.float32(0.5), b=np.arange(3)))
  atomic.write_json(path, dict(a=1))
  assert path.read_text() == '{\n "a": 1\n}\n'
  mask = os.umask(0)
  os.umask(mask)
  assert path.stat().st_mode & 0o777 == 0o666 & ~mask  # not mkstemp's 0600
  assert _leftovers(path.parent) == []


def test_failed_replace_keeps_old_file_and_removes_temporary(tmp_path, monkeypatch):
  path = tmp_path / "summary.json"
  path.write_bytes(b"old")

  def full_disk(src, dst):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

  monkeypatch.setattr(os, "replace", full_disk)
  with pytest.raises(WriteError, match=f"cannot write {path}: No space left on device") as e:
    atomic.write_bytes(path, b"new")
  assert not isinstance(e.value, WorkdirError)  # a data cache is not a workdir
  assert "previous file" in e.value.fix
  assert path.read_bytes() == b"old"
  assert _leftovers(tmp_path) == []


def test_parent_that_is_a_file_is_named(tmp_path):
  blocker = tmp_path / "cache"
  blocker.write_bytes(b"not a directory")
  with pytest.raises(WriteError, match=f"cannot write {blocker}/train.gz"):
    atomic.write_bytes(blocker / "train.gz", b"data")
  assert blocker.read_bytes() == b"not a directory"


def test_not_jsonable_object_is_a_type_error(tmp_path):
  with pytest.raises(TypeError, match="not JSON serializable"):
    atomic.write_json(tmp_path / "x.json", dict(a=object()))
  assert not (tmp_path / "x.json").exists()
