"""Pixel conventions shared by training and test images: standardization, resizing, display."""

import jax
import numpy as np

from identity_jax.errors import ConfigError

# Appendix B: pixels mapped to [0, 1], then standardized with the full MNIST training set's statistics.
MNIST_MEAN = 0.1307
MNIST_STD = 0.3081
MIN_SIZE, MAX_SIZE = 1, 512


def standardize(pixels01: np.ndarray) -> np.ndarray:
  """[0, 1] pixels -> the standardized space every model sees."""
  return ((np.asarray(pixels01, np.float32) - MNIST_MEAN) / MNIST_STD).astype(np.float32)


def from_uint8(images: np.ndarray) -> np.ndarray:
  return standardize(np.asarray(images, np.float32) / 255.0)


def to_unit(images: np.ndarray) -> np.ndarray:
  """Standardized images -> [0, 1] pixels (for display; values outside are clipped by the plot)."""
  return np.asarray(images) * MNIST_STD + MNIST_MEAN


def resize(images: np.ndarray, size: int) -> np.ndarray:
  """Resizes (n, h, w) images to (n, size, size): bilinear, antialiased when shrinking."""
  if isinstance(size, bool) or not isinstance(size, int) or not MIN_SIZE <= size <= MAX_SIZE:
    raise ConfigError(f"image size {size!r} is outside {MIN_SIZE}..{MAX_SIZE}",
                      f"choose an integer image size in {MIN_SIZE}..{MAX_SIZE} (the paper uses 7..112)")
  images = np.asarray(images, np.float32)
  if images.shape[1:] == (size, size):
    return images
  out = jax.image.resize(images, (images.shape[0], size, size), method="linear", antialias=True)
  return np.asarray(out, np.float32)


def show(ax, image, title: str | None = None, pixels: bool = False) -> None:
  """Draws one (H, W) image on a matplotlib axis, without ticks. pixels: a standardized image shown
  as [0, 1] pixels on a fixed grey scale (inputs and predictions side by side stay comparable);
  else scaled to its own range (layer views, whose values have no pixel meaning)."""
  if pixels:
    ax.imshow(np.clip(to_unit(image), 0, 1), cmap="gray", vmin=0, vmax=1)
  else:
    ax.imshow(image, cmap="gray")
  ax.set_xticks([])
  ax.set_yticks([])
  if title:
    ax.set_title(title, fontsize=6)
