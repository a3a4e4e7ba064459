import gzip

import numpy as np
import pytest
from helpers import write_idx

from identity_jax.data import datasets, idx, images, patterns, suites
from identity_jax.errors import ConfigError, DataError
from identity_jax.study import cell


def test_idx_round_trip_raw_and_gzip(tmp_path):
  a = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
  for name in ("a.gz", "a"):
    write_idx(tmp_path / name, a)
    np.testing.assert_array_equal(idx.read_idx(tmp_path / name), a)


@pytest.mark.parametrize("damage, message", [
    (lambda raw: raw[:-5], "promises"),                    # truncated body
    (lambda raw: b"\x00\x00\x0d\x03" + raw[4:], "magic"),  # float IDX, not ubyte
    (lambda raw: raw[:6], "truncated IDX header"),
])
def test_corrupt_idx_is_named(tmp_path, damage, message):
  good = tmp_path / "good"
  write_idx(good, np.zeros((2, 3, 4)))
  bad = tmp_path / "bad"
  bad.write_bytes(damage(good.read_bytes()))
  with pytest.raises(DataError, match=message) as e:
    idx.read_idx(bad)
  assert str(bad) in str(e.value) and "fix:" in str(e.value)


def test_corrupt_gzip_is_named(tmp_path):
  bad = tmp_path / "x.gz"
  bad.write_bytes(gzip.compress(b"\x00" * 100)[:30])
  with pytest.raises(DataError, match="corrupt"):
    idx.read_idx(bad)


def test_missing_file_is_named(tmp_path):
  with pytest.raises(DataError, match="does not exist"):
    idx.read_idx(tmp_path / "nope")


def test_explicit_directory_wins(idx_dir):
  ds = datasets.load_dataset("mnist", str(idx_dir.parent))
  assert ds.complete and ds.source == str(idx_dir)
  assert ds.train_images.shape == (20, 28, 28) and ds.test_labels.shape == (10,)


def test_corrupt_file_in_data_dir_is_an_error_not_a_fallback(idx_dir):
  p = idx_dir / "train-images-idx3-ubyte.gz"
  p.write_bytes(p.read_bytes()[:100])
  with pytest.raises(DataError, match="train-images"):
    datasets.load_dataset("mnist", str(idx_dir))


def test_nothing_found_lists_every_place(tmp_path, monkeypatch):
  monkeypatch.setitem(datasets._SYSTEM_DIRS, "fashion_mnist", [tmp_path / "no_system_copy"])
  monkeypatch.setenv("IDENTITY_JAX_CACHE", str(tmp_path / "cache"))
  (tmp_path / "empty").mkdir()
  with pytest.raises(DataError) as e:
    datasets.load_dataset("fashion_mnist", str(tmp_path / "empty"))
  msg = str(e.value)
  for place in ("empty/fashion_mnist/", "cache", "no_system_copy", "download (disabled"):
    assert place in msg
  assert "fix:" in msg and "dataset-fashion-mnist" in msg


def test_mnist_falls_back_to_the_shipped_digits(tmp_path, monkeypatch):
  monkeypatch.setenv("IDENTITY_JAX_CACHE", str(tmp_path / "cache"))
  (tmp_path / "empty").mkdir()
  ds = datasets.load_dataset("mnist", str(tmp_path / "empty"))
  assert not ds.complete and "mnist_5k.npz" in ds.source


def test_a_corrupt_shipped_file_is_an_error(tmp_path, monkeypatch):
  import importlib.resources
  bad = tmp_path / "identity_jax" / "data"
  bad.mkdir(parents=True)
  (bad / "mnist_5k.npz").write_bytes(b"not a zip")
  monkeypatch.setattr(importlib.resources, "files", lambda _: tmp_path / "identity_jax")
  with pytest.raises(DataError, match="corrupt") as e:
    datasets.offline_mnist()
  assert "reinstall" in str(e.value)


def test_a_data_directory_that_does_not_exist_is_an_error_not_a_fallback(tmp_path):
  with pytest.raises(DataError, match="does not exist") as e:
    datasets.load_dataset("mnist", str(tmp_path / "typo"))
  assert "fix:" in str(e.value)


def test_unknown_dataset_name():
  with pytest.raises(ConfigError, match="unknown data set"):
    datasets.load_dataset("cifar")


def test_offline_mnist_is_real_and_balanced():
  ds = datasets.offline_mnist()
  assert ds is not None and not ds.complete
  assert ds.train_images.shape == (2500, 28, 28) and ds.test_images.shape == (2500, 28, 28)
  np.testing.assert_array_equal(np.bincount(ds.train_labels), [250] * 10)
  # Real digits: the mean pixel of MNIST is ~0.13 of full scale, with mostly-zero backgrounds.
  assert 0.08 < ds.train_images.mean() / 255 < 0.18
  assert (ds.train_images == 0).mean() > 0.7


def test_download_with_bad_checksum_leaves_no_file(tmp_path, monkeypatch):
  class Fake:
    def __enter__(self):
      return self
    def __exit__(self, *a):
      return False
    def read(self):
      return b"not the file"
  monkeypatch.setattr(datasets.urllib.request, "urlopen", lambda url, timeout: Fake())
  with pytest.raises(DataError, match="MD5"):
    datasets.load_dataset("mnist", download=True)
  assert not list((tmp_path / "cache").rglob("*.gz"))


def test_download_verified_files_are_used(tmp_path, monkeypatch, idx_dir):
  payload = {p.name.removesuffix(".gz"): (p.read_bytes() if p.suffix == ".gz" else
                                          gzip.compress(p.read_bytes()))
             for p in idx_dir.iterdir()}
  import hashlib

  class Fake:
    def __init__(self, data):
      self.data = data
    def __enter__(self):
      return self
    def __exit__(self, *a):
      return False
    def read(self):
      return self.data
  fake_md5 = {}
  def urlopen(url, timeout):
    stem = url.rsplit("/", 1)[1].removesuffix(".gz")
    return Fake(payload[stem])
  for key, stem in datasets._FILES.items():
    fake_md5[key] = hashlib.md5(payload[stem]).hexdigest()
  monkeypatch.setattr(datasets.urllib.request, "urlopen", urlopen)
  monkeypatch.setitem(datasets._DOWNLOADS, "mnist", ("http://x/", fake_md5))
  ds = datasets.load_dataset("mnist", download=True)
  assert ds.complete and ds.train_images.shape == (20, 28, 28)
  assert len(list((tmp_path / "cache" / "mnist").glob("*.gz"))) == 4


@pytest.mark.parametrize("rho", [0.0, 0.3, 0.75, 1.0])
def test_rho_images_have_exact_correlation_mean_and_norm(rho):
  rng = np.random.default_rng(1)
  x_hat = images.standardize(rng.uniform(size=(28, 28)) ** 4)  # skewed, nonzero mean like a digit
  x = suites.rho_images(x_hat, rho, 8, rng)
  flat = x.reshape(8, -1).astype(np.float64)
  ref = x_hat.reshape(-1).astype(np.float64)
  corr = [np.corrcoef(f, ref)[0, 1] for f in flat]
  np.testing.assert_allclose(corr, rho, atol=1e-5)
  np.testing.assert_allclose(np.linalg.norm(flat, axis=1), np.linalg.norm(ref), rtol=1e-5)
  np.testing.assert_allclose(flat.mean(axis=1), ref.mean(), atol=1e-5)
  if rho == 1.0:
    np.testing.assert_allclose(flat, np.repeat(ref[None], 8, 0), atol=1e-5)
  else:
    assert np.std(flat, axis=0).mean() > 0.01  # distinct images


def test_rho_outside_unit_interval():
  with pytest.raises(ConfigError, match="rho"):
    suites.rho_images(np.ones((4, 4)), 1.5, 2, np.random.default_rng(0))


def test_patterns_are_binary_and_scale_free():
  fam, names = patterns.pattern_family(28)
  assert fam.shape == (len(patterns.KINDS) * len(patterns.CYCLES), 28, 28) and len(names) == len(fam)
  assert set(np.unique(fam)) <= {0.0, 1.0}
  assert all(0.15 < img.mean() < 0.85 for img in fam)  # every pattern has both levels
  assert len({img.tobytes() for img in fam}) == len(fam)  # all distinct
  # The same pattern at 4x the size, block-averaged back, equals the small one where it is binary.
  big = patterns.pattern("stripes_v", 2, 112).reshape(28, 4, 28, 4).mean((1, 3))
  small = patterns.pattern("stripes_v", 2, 28)
  assert np.mean(np.abs(big - small)) < 0.05


def test_training_image_is_a_seven_fixed_by_seed():
  ds = datasets.offline_mnist()
  a, la = suites.pick_training_images(ds, 7, 3, seed=0)
  b, lb = suites.pick_training_images(ds, 7, 3, seed=0)
  c, _ = suites.pick_training_images(ds, 7, 1, seed=1)
  assert la[0] == 7 and a.shape == (3, 28, 28)
  np.testing.assert_array_equal(a, b)
  assert not np.array_equal(a[0], c[0])
  assert len({img.tobytes() for img in a}) == 3


def test_standardization_constants():
  np.testing.assert_allclose(images.standardize(np.array([0.1307, 0.4388])), [0.0, 1.0], atol=1e-6)
  np.testing.assert_allclose(images.from_uint8(np.array([255])), (1 - 0.1307) / 0.3081, rtol=1e-6)


@pytest.mark.parametrize("size", [7, 14, 56, 112])
def test_resize_shapes_and_constant_preserved(size):
  out = images.resize(np.full((3, 28, 28), 2.0, np.float32), size)
  assert out.shape == (3, size, size)
  np.testing.assert_allclose(out, 2.0, rtol=1e-5)


@pytest.mark.parametrize("size", [0, -3, 10_000, 2.5])
def test_resize_rejects_bad_sizes(size):
  with pytest.raises(ConfigError, match="image size"):
    images.resize(np.zeros((1, 28, 28)), size)


def test_build_suites_tiny(tiny_config):
  data = suites.build(cell.DataConfig(**tiny_config.data.to_dict()))
  s = tiny_config.data.image_size
  assert data.train.shape == (1, s, s) and data.train_labels[0] == 7
  assert set(data.suites) == {"mnist", "fashion", "blends", "patterns", "random", "rho_0.00",
                              "rho_1.00"}
  for name, imgs in data.suites.items():
    assert imgs.shape[1:] == (s, s) and np.isfinite(imgs).all(), name
  np.testing.assert_allclose(data.suites["rho_1.00"], np.repeat(data.train, 4, 0), atol=1e-5)
  assert [n for n in data.suites if n.startswith("rho_")] == ["rho_0.00", "rho_1.00"]


def test_num_train_all_takes_every_training_image():
  ds = datasets.offline_mnist()
  imgs, labels = suites.pick_training_images(ds, 7, "all", seed=0)
  assert labels[0] == 7 and len(imgs) == len(ds.train_labels)
  assert len({img.tobytes() for img in imgs}) == len({img.tobytes() for img in ds.train_images})
  with pytest.raises(ConfigError, match="data.num_train"):
    suites.pick_training_images(ds, 7, -2, seed=0)


def test_missing_fashion_mnist_skips_its_suite_and_changes_no_other(tmp_path, monkeypatch):
  cfg = cell.DataConfig(per_suite=3)
  present = suites.build(cfg)
  monkeypatch.setitem(datasets._SYSTEM_DIRS, "fashion_mnist", [])
  monkeypatch.setenv("IDENTITY_JAX_CACHE", str(tmp_path / "cache"))
  missing = suites.build(cfg)
  assert "fashion" not in missing.suites
  assert missing.sources["fashion_mnist"].startswith("skipped, not found")
  assert "dataset-fashion-mnist" in missing.sources["fashion_mnist"]
  for name in set(missing.suites):
    np.testing.assert_array_equal(missing.suites[name], present.suites[name])
