"""The training image(s) and the test suites of Appendix B / E.3, all in standardized pixels."""

import dataclasses

import numpy as np

from identity_jax.data import datasets, images, patterns
from identity_jax.errors import ConfigError, MissingDataError, check_positive

SUITES = ("mnist", "fashion", "blends", "patterns", "random", "rho")
FASHION_TEST_IMAGES = 10_000  # the size of Fashion-MNIST's test split


@dataclasses.dataclass(frozen=True)
class Data:
  """train: (k, S, S). suites: name -> (n, S, S); rho suites are named 'rho_0.00' etc."""
  train: np.ndarray
  train_labels: np.ndarray
  suites: dict
  sources: dict  # dataset name -> where it was loaded from


def rho_suite(rho: float) -> str:
  """The name of the suite of test images at correlation rho with the training image."""
  return f"rho_{rho:.2f}"


def check_rho(rho: float, field: str = "rho") -> None:
  """A correlation with the training image is in [0, 1] (ConfigError naming `field` otherwise)."""
  if not 0.0 <= rho <= 1.0:
    raise ConfigError(f"{field} {rho} is outside [0, 1]", "use values between 0 and 1 (a correlation)")


def rho_images(x_hat: np.ndarray, rho: float, n: int, rng: np.random.Generator) -> np.ndarray:
  """n random images whose Pearson correlation with x_hat is exactly `rho` (Appendix E.3).

  Random [0, 1] pixels are standardized and centred, their component along the centred x_hat is
  removed, and the remainder mixed with it; the result gets x_hat's mean back. So every image has
  x_hat's mean and norm, rho = 1 gives x_hat itself, and rho = 0 gives noise uncorrelated with it:
    x = mean(x_hat) + rho * c + sqrt(1 - rho^2) * |c| * u,   c = x_hat - mean(x_hat), u.c = 0, |u| = 1
  (Working in the centred space matters: cosine-orthogonal noise keeps a visible imprint of x_hat,
  because standardized noise has a large mean.)
  """
  check_rho(rho)
  flat = x_hat.reshape(-1).astype(np.float64)
  mean = flat.mean()
  c = flat - mean
  e = c / np.linalg.norm(c)
  noise = images.standardize(rng.uniform(size=(n, flat.size))).astype(np.float64)
  noise -= noise.mean(axis=1, keepdims=True)
  noise -= np.outer(noise @ e, e)
  u = noise / np.linalg.norm(noise, axis=1, keepdims=True)
  x = mean + np.linalg.norm(c) * (rho * e[None] + np.sqrt(1.0 - rho**2) * u)
  return x.reshape((n,) + x_hat.shape).astype(np.float32)


def pick_training_images(ds: datasets.ImageDataset, digit: int, k: int, seed: int):
  """The training images: a `digit` first (the paper's '7'), then k-1 more from the training split.

  k = "all": every training image of the split (the full 60k MNIST when present, else the 5,000
  offline digits; `ds.source` says which). All chosen with a fixed seed, so every run and every
  model trains on the same images.
  """
  if k == "all":
    k = len(ds.train_labels)
  check_positive("data.num_train", k, integer=True)
  rng = np.random.default_rng(seed)
  candidates = np.flatnonzero(ds.train_labels == digit)
  if candidates.size == 0:
    raise ConfigError(f"no digit {digit} in the {ds.name} training split",
                      "set data.train_digit to a class label 0..9")
  if k > len(ds.train_labels):
    raise ConfigError(f"data.num_train = {k} exceeds the {len(ds.train_labels)} training images "
                      f"of {ds.source}", f"use at most {len(ds.train_labels)} training images")
  first = int(rng.choice(candidates))
  rest = rng.permutation(np.delete(np.arange(len(ds.train_labels)), first))[:k - 1]
  chosen = np.concatenate([[first], rest]).astype(int)
  return ds.train_images[chosen], ds.train_labels[chosen]


def build(cfg) -> Data:
  """Loads what `cfg` (a cell.DataConfig, validated) asks for and builds every suite."""
  size = cfg.image_size
  rng = np.random.default_rng(cfg.seed)
  mnist = datasets.load_dataset("mnist", cfg.dir or None, cfg.download)
  sources = {"mnist": mnist.source}
  raw_train, labels = pick_training_images(mnist, cfg.train_digit, cfg.num_train, cfg.seed)
  train = images.resize(images.from_uint8(raw_train), size)
  n = cfg.per_suite

  def mnist_test(count):
    if count > len(mnist.test_images):
      raise ConfigError(f"data.per_suite = {n} asks for more digits than {mnist.source} has",
                        f"use data.per_suite <= {len(mnist.test_images) // 2}")
    return mnist.test_images[rng.choice(len(mnist.test_images), count, replace=False)]

  suites = {}
  for name in cfg.suites:
    if name == "mnist":
      suites["mnist"] = images.from_uint8(mnist_test(n))
    elif name == "fashion":
      # Drawn whether or not the data is there, so the other suites never depend on it.
      pick = rng.choice(FASHION_TEST_IMAGES, n, replace=False)
      try:
        fashion = datasets.load_dataset("fashion_mnist", cfg.dir or None, cfg.download)
      except MissingDataError as e:  # a corrupt copy still fails
        sources["fashion_mnist"] = f"skipped, not found: {e.fix}"
        continue
      sources["fashion_mnist"] = fashion.source
      suites["fashion"] = images.from_uint8(fashion.test_images[pick])
    elif name == "blends":
      pairs = mnist_test(2 * n).reshape(n, 2, 28, 28).astype(np.float32)
      suites["blends"] = images.from_uint8(pairs.mean(axis=1))
    elif name == "patterns":
      family, _ = patterns.pattern_family(size)
      suites["patterns"] = images.standardize(family)
    elif name == "random":
      suites["random"] = images.standardize(rng.uniform(size=(n, size, size)))
    elif name == "rho":
      for rho in cfg.rhos:
        suites[rho_suite(rho)] = rho_images(train[0], float(rho), n, rng)
  suites = {k: images.resize(v, size) for k, v in suites.items()}
  return Data(train=train, train_labels=np.asarray(labels), suites=suites, sources=sources)
