r"""Checks that two workdirs of the same experiment hold the same training outputs, bit for bit: the
proof that a change of code layout changed no numbers. Run the same commands with the code before
and after, then

  python tests/same_outputs.py BEFORE_WORKDIR AFTER_WORKDIR

Compared: per_seed.jsonl row by row, and per cell arrays.npz and params.npz array by array (dtype,
shape and bytes) and result.json's seeds. Left out, as they must differ between two runs: timings
and the environment's clock (summary.json, result.json timing). Exits 1 and names every difference.
"""

import json
import pathlib
import sys

import numpy as np


def _npz(path: pathlib.Path) -> dict:
  with np.load(path, allow_pickle=False) as z:
    return {k: z[k] for k in z.files}


def differences(before: pathlib.Path, after: pathlib.Path) -> list[str]:
  out = []
  rows = [p.read_text().splitlines() for p in (before / "per_seed.jsonl", after / "per_seed.jsonl")]
  if rows[0] != rows[1]:
    out.append(f"per_seed.jsonl: {sum(a != b for a, b in zip(*rows))} rows differ "
               f"({len(rows[0])} vs {len(rows[1])} rows)")
  cells, other = ({p.name for p in (d / "cells").iterdir()} for d in (before, after))
  if cells != other:
    out.append(f"cells in one only: {sorted(cells ^ other)}")
  for cell in sorted(cells & other):
    for name in ("arrays.npz", "params.npz"):
      a, b = _npz(before / "cells" / cell / name), _npz(after / "cells" / cell / name)
      if a.keys() != b.keys():
        out.append(f"{cell}/{name}: keys {sorted(set(a) ^ set(b))} in one only")
      for k in sorted(a.keys() & b.keys()):
        if a[k].dtype != b[k].dtype or a[k].shape != b[k].shape or a[k].tobytes() != b[k].tobytes():
          out.append(f"{cell}/{name}: {k} differs")
    seeds = [json.loads((d / "cells" / cell / "result.json").read_text())["seeds"]
             for d in (before, after)]
    if seeds[0] != seeds[1]:
      out.append(f"{cell}/result.json: seeds differ")
  return out


def main(argv):
  if len(argv) != 3:
    sys.exit(__doc__)
  before, after = map(pathlib.Path, argv[1:])
  found = differences(before, after)
  cells = len(list((before / "cells").iterdir()))
  print("\n".join(found) or f"same: per_seed.jsonl, {cells} cells' arrays, parameters and seeds")
  sys.exit(1 if found else 0)


if __name__ == "__main__":
  main(sys.argv)
