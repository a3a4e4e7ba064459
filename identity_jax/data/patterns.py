"""Algorithmically generated structured test patterns (Appendix B leaves their look open; this is ours).

The family: six kinds x three scales, each a binary image in [0, 1] pixels at any size. A scale is the
number of cycles across the image, so a pattern looks the same at 7x7 and at 112x112 (up to aliasing).
  stripes_h, stripes_v  horizontal / vertical bars
  checker               checkerboard
  rings                 concentric rings around the centre
  grating               diagonal bars at 45 degrees
  dots                  a square lattice of round dots
"""

import numpy as np

KINDS = ("stripes_h", "stripes_v", "checker", "rings", "grating", "dots")
CYCLES = (2, 3, 5)


def pattern(kind: str, cycles: int, size: int) -> np.ndarray:
  """One (size, size) pattern in [0, 1] pixels."""
  # Pixel centres in [0, 1), so the pattern is independent of the grid size.
  t = (np.arange(size, dtype=np.float64) + 0.5) / size
  v, u = np.meshgrid(t, t, indexing="ij")  # v: rows, u: columns
  half = lambda z: (np.mod(z, 1.0) < 0.5)
  if kind == "stripes_h":
    img = half(v * cycles)
  elif kind == "stripes_v":
    img = half(u * cycles)
  elif kind == "checker":
    img = half(u * cycles) ^ half(v * cycles)
  elif kind == "rings":
    img = half(np.hypot(u - 0.5, v - 0.5) * 2 * cycles)
  elif kind == "grating":
    img = half((u + v) * cycles)
  elif kind == "dots":
    du = np.mod(u * cycles, 1.0) - 0.5
    dv = np.mod(v * cycles, 1.0) - 0.5
    img = np.hypot(du, dv) < 0.3
  else:
    raise ValueError(f"unknown pattern kind {kind!r}; one of {KINDS}")
  return img.astype(np.float32)


def pattern_family(size: int) -> tuple[np.ndarray, list[str]]:
  """All kinds x scales: images (len(KINDS) * len(CYCLES), size, size) in [0, 1], and their names."""
  names = [f"{kind}_{c}" for kind in KINDS for c in CYCLES]
  images = np.stack([pattern(kind, c, size) for kind in KINDS for c in CYCLES])
  return images, names
