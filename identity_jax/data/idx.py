"""Reader for the IDX format of MNIST and Fashion-MNIST (plain or gzip), with integrity checks."""

import gzip
import pathlib
import zlib

import numpy as np

from identity_jax.errors import DataError

_UBYTE = 0x08


def read_idx(path) -> np.ndarray:
  """Returns the uint8 array stored in an IDX file (`.gz` or raw).

  Raises DataError naming the file when it is missing, truncated, or not IDX.
  """
  path = pathlib.Path(path)
  fix = f"delete {path} and provide the file again (download, or copy the original)"
  if not path.is_file():
    raise DataError(f"data file {path} does not exist", fix)
  try:
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
      raw = gzip.decompress(raw)
  except (OSError, EOFError, zlib.error) as e:
    raise DataError(f"data file {path} is corrupt ({e})", fix) from e
  if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != _UBYTE:
    raise DataError(f"data file {path} is not an unsigned-byte IDX file (bad magic number)", fix)
  ndim = raw[3]
  header = 4 + 4 * ndim
  if ndim == 0 or len(raw) < header:
    raise DataError(f"data file {path} has a truncated IDX header", fix)
  shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
  expected = header + int(np.prod(shape))
  if len(raw) != expected:
    raise DataError(
        f"data file {path} holds {len(raw)} bytes but its header {shape} promises {expected}",
        fix)
  return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)
