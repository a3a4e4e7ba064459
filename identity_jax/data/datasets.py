"""Finding and loading MNIST and Fashion-MNIST, online or offline.

Places are tried in this order, and the first complete one wins:
  1. an explicit directory (argument `data_dir`, else $IDENTITY_JAX_DATA), as `<dir>/<name>/` or `<dir>/`;
  2. the download cache `~/.cache/identity_jax/<name>/` (or $IDENTITY_JAX_CACHE);
  3. system copies: Debian's `dataset-fashion-mnist` under /usr/share/datasets/fashion-mnist;
  4. a download into the cache, checksums verified (only with download=True);
  5. partial offline copies: the 5,000 real MNIST digits shipped with this package
     (identity_jax/data/mnist_5k.npz; source and licence in experiments/make_offline_mnist.py).
A file that is present but corrupt is an error, never silently skipped.
"""

import dataclasses
import hashlib
import importlib.resources
import os
import pathlib
import urllib.request

import numpy as np

from identity_jax import atomic
from identity_jax.data import idx
from identity_jax.errors import DataError, MissingDataError, check_choice

_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}

# MD5 of the canonical .gz files (the same list torchvision verifies).
_DOWNLOADS = {
    "mnist": ("https://ossci-datasets.s3.amazonaws.com/mnist/", {
        "train_images": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train_labels": "d53e105ee54ea40749a09fcbcd1e9432",
        "test_images": "9fb629c4189551a2d022fa330f9573f3",
        "test_labels": "ec29112dd5afa0611ce80d1b7f02629c",
    }),
    "fashion_mnist": ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/", {
        "train_images": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train_labels": "25c81989df183df01b3e8a0aad5dffbe",
        "test_images": "bef4ecab320f06d8554ea6380940ec79",
        "test_labels": "bb300cfdad3c16e7a12a480ee83cd310",
    }),
}

_SYSTEM_DIRS = {
    "mnist": [],
    "fashion_mnist": [pathlib.Path("/usr/share/datasets/fashion-mnist")],
}

DATASETS = tuple(_DOWNLOADS)


@dataclasses.dataclass(frozen=True)
class ImageDataset:
  """Raw uint8 images (n, 28, 28) and int labels of one dataset, and where they came from."""
  name: str
  train_images: np.ndarray
  train_labels: np.ndarray
  test_images: np.ndarray
  test_labels: np.ndarray
  source: str
  complete: bool  # False for the 5,000-digit offline MNIST


def cache_dir() -> pathlib.Path:
  return pathlib.Path(os.environ.get("IDENTITY_JAX_CACHE", "~/.cache/identity_jax")).expanduser()


def _find_files(directory: pathlib.Path):
  """Maps each standard file to its path in `directory` (raw or .gz), or None if any is missing."""
  found = {}
  for key, stem in _FILES.items():
    for candidate in (directory / f"{stem}.gz", directory / stem):
      if candidate.is_file():
        found[key] = candidate
        break
    else:
      return None
  return found


def _load_files(name: str, files, source: str) -> ImageDataset:
  arrays = {key: idx.read_idx(path) for key, path in files.items()}
  for split in ("train", "test"):
    images, labels = arrays[f"{split}_images"], arrays[f"{split}_labels"]
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
      raise DataError(
          f"{name} {split} files in {source} do not match: images {images.shape}, "
          f"labels {labels.shape}",
          f"replace the {split} image and label files in {source} with the original pair")
  return ImageDataset(name, arrays["train_images"], arrays["train_labels"].astype(np.int32),
                      arrays["test_images"], arrays["test_labels"].astype(np.int32),
                      source=source, complete=True)


def _download(name: str, target: pathlib.Path) -> None:
  base, md5s = _DOWNLOADS[name]
  target.mkdir(parents=True, exist_ok=True)
  for key, stem in _FILES.items():
    final = target / f"{stem}.gz"
    if final.is_file():
      continue
    url = base + f"{stem}.gz"
    try:
      with urllib.request.urlopen(url, timeout=60) as response:
        data = response.read()
    except OSError as e:
      raise DataError(f"could not download {url} ({e})",
                      f"connect to the internet, or put the IDX files into {target}") from e
    digest = hashlib.md5(data).hexdigest()
    if digest != md5s[key]:
      raise DataError(f"download of {url} has MD5 {digest}, expected {md5s[key]}",
                      "retry later; if it persists, place verified IDX files into " + str(target))
    atomic.write_bytes(final, data)  # an interrupted download never leaves a half file


def offline_mnist() -> ImageDataset:
  """The 5,000 real MNIST training digits shipped with the package, split 2,500 / 2,500."""
  path = importlib.resources.files("identity_jax") / "data" / "mnist_5k.npz"
  try:
    with path.open("rb") as f, np.load(f) as z:
      images, labels = z["images"], z["labels"].astype(np.int32)
  except (OSError, ValueError, KeyError) as e:
    raise DataError(f"the offline MNIST file {path} is missing or corrupt ({e})",
                    "reinstall identity_jax, or pass a directory of MNIST IDX files as data.dir") from e
  # Sorted by label (500 per class): interleave so both halves hold every digit.
  return ImageDataset("mnist", images[0::2], labels[0::2], images[1::2], labels[1::2],
                      source="identity_jax/data/mnist_5k.npz (5,000 MNIST training digits, split "
                      "2,500 / 2,500)", complete=False)


def load_dataset(name: str, data_dir: str | None = None, download: bool = False) -> ImageDataset:
  """Loads `name` ('mnist' or 'fashion_mnist') from the first place that has it (module doc)."""
  check_choice("data set", name, DATASETS)
  looked = []
  explicit = data_dir or os.environ.get("IDENTITY_JAX_DATA")
  if explicit:
    root = pathlib.Path(explicit).expanduser()
    if not root.is_dir():
      raise DataError(f"the data directory {root} does not exist",
                      "point data.dir / $IDENTITY_JAX_DATA at a directory holding mnist/ (or the IDX "
                      "files), or leave it empty to search the default places")
    for directory in (root / name, root):
      files = _find_files(directory)
      if files:
        return _load_files(name, files, str(directory))
      looked.append(f"{directory}/ (explicit data directory)")
  cached = cache_dir() / name
  for directory in [cached, *_SYSTEM_DIRS[name]]:
    files = _find_files(directory)
    if files:
      return _load_files(name, files, str(directory))
    looked.append(f"{directory}/")
  if download:
    _download(name, cached)
    return _load_files(name, _find_files(cached), str(cached))
  looked.append("download (disabled: pass download=True / --config.data.download=True)")
  if name == "mnist":
    return offline_mnist()
  raise MissingDataError(
      f"no {name} data found; looked in: " + "; ".join(looked),
      "`apt-get install dataset-fashion-mnist` (Debian, Ubuntu), or put the four IDX files ({', '.join(_FILES.values())}, optionally .gz) into a "
      "directory and pass it as data.dir / $IDENTITY_JAX_DATA, or set data.download=True (downloads it)")
