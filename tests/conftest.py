"""Shared fixtures: tiny configs and a tiny synthetic IDX dataset, so tests run in seconds."""

import pathlib

import numpy as np
import pytest

REPO = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture
def tiny_config():
  from identity_jax.configs import default
  return default.get_config("tiny")


@pytest.fixture
def idx_dir(tmp_path):
  """A directory with the four standard IDX files: 20 train / 10 test 28x28 images, labels 0..9."""
  rng = np.random.default_rng(0)
  from helpers import write_idx
  d = tmp_path / "mnist"
  d.mkdir()
  write_idx(d / "train-images-idx3-ubyte.gz", rng.integers(0, 256, (20, 28, 28)))
  write_idx(d / "train-labels-idx1-ubyte.gz", np.arange(20) % 10)
  write_idx(d / "t10k-images-idx3-ubyte.gz", rng.integers(0, 256, (10, 28, 28)))
  write_idx(d / "t10k-labels-idx1-ubyte", np.arange(10))
  return d


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path, monkeypatch):
  """Never read or write the user's dataset cache or data directory from a test."""
  monkeypatch.setenv("IDENTITY_JAX_CACHE", str(tmp_path / "cache"))
  monkeypatch.delenv("IDENTITY_JAX_DATA", raising=False)
