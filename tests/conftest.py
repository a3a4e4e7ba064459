"""Shared fixtures: tiny configs and a tiny synthetic IDX dataset, so tests run in seconds."""

import os
import pathlib
import shutil
import sys
import tempfile

import numpy as np
import pytest

REPO = pathlib.Path(__file__).resolve().parents[1]
_CACHE_ENV = "JAX_COMPILATION_CACHE_DIR"
_MADE_CACHE = []


def pytest_configure(config):
  """One persistent XLA compilation cache per test run, shared by the xdist workers and every process
  they start (the binaries, the killed-and-resumed runs, the notebook kernels), which inherit it
  through the environment: without it each process compiles the same tiny programs again (the suite
  took 880 s without, 711 s with, on 2 cores). Made empty each run, so a run's time is a clean
  clone's; a cache the user set is kept. The key is the compiled program, so a hit runs the same
  executable: tracing, and any Python side effect in it, still happens."""
  if hasattr(config, "workerinput") or _CACHE_ENV in os.environ:
    return  # an xdist worker (it inherited the controller's), or the user's own cache
  os.environ[_CACHE_ENV] = tempfile.mkdtemp(prefix="identity_jax_test_xla_cache_")
  os.environ["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"] = "0"  # the tests' programs are small
  _MADE_CACHE.append(os.environ[_CACHE_ENV])
  if "jax" in sys.modules:  # imported before this hook: its config read the environment already
    import jax
    jax.config.update("jax_compilation_cache_dir", os.environ[_CACHE_ENV])
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)


def pytest_unconfigure(config):
  for path in _MADE_CACHE:
    shutil.rmtree(path, ignore_errors=True)


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
