"""MNIST and Fashion-MNIST from local IDX files, and the IDX format's parser.

IDX (http://yann.lecun.com/exdb/mnist/): two zero bytes, a type code, the number of
dimensions, each dimension as a big-endian uint32, then the values in C order, big-endian.
"""

import gzip
import os
from pathlib import Path

import numpy as np

from .split import finish_split

__all__ = ["DatasetNotFoundError", "data_home", "fashion_mnist", "mnist", "read_idx"]

_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
          "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
_SOURCES = {
    "mnist": "https://ossci-datasets.s3.amazonaws.com/mnist/ (mirror of "
             "http://yann.lecun.com/exdb/mnist/)",
    "fashion_mnist": "https://github.com/zalandoresearch/fashion-mnist (data/fashion/)",
}
_FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                    "Sneaker", "Bag", "Ankle boot"]


class DatasetNotFoundError(FileNotFoundError):
    """A dataset's files are not where gradiente looks for them."""


def read_idx(path):
    """The array stored in an IDX file (gzip-compressed or not, detected from its bytes)."""
    path = Path(path)
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if len(raw) < 4 or raw[:2] != b"\x00\x00" or raw[2] not in _IDX_TYPES:
        raise ValueError(f"read_idx: {path} is not an IDX file (header {raw[:4].hex(' ')})")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"read_idx: {path} is truncated inside its header")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = np.dtype(_IDX_TYPES[raw[2]])
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header != expected:
        raise ValueError(f"read_idx: {path} holds {len(raw) - header} bytes of data but its "
                         f"header announces shape {shape} of {dtype.str[1:]} ({expected} bytes)")
    array = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return array.astype(dtype.newbyteorder("="))


def data_home(name):
    """Where dataset ``name`` is looked for: ``$GRADIENTE_DATA/name``, by default
    ``~/.gradiente/data/name``."""
    root = os.environ.get("GRADIENTE_DATA") or Path.home() / ".gradiente" / "data"
    return Path(root) / name


def _find(directory, stem, name):
    for candidate in (directory / stem, directory / f"{stem}.gz"):
        if candidate.is_file():
            return candidate
    raise DatasetNotFoundError(
        f"datasets.{name}: {stem}[.gz] not found in {directory}; download the four IDX files "
        f"from {_SOURCES[name]} into that directory (or pass root=..., or set GRADIENTE_DATA)")


def _load_idx_pair(name, root, flatten, standardize, class_names):
    directory = Path(root) if root is not None else data_home(name)
    parts = {}
    for part, (images_stem, labels_stem) in _FILES.items():
        images = read_idx(_find(directory, images_stem, name))
        labels = read_idx(_find(directory, labels_stem, name))
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise ValueError(f"datasets.{name}: {part} images {images.shape} and labels "
                             f"{labels.shape} do not match (expected (n, rows, cols) and (n,))")
        x = images.astype(np.float64) / 255.0
        parts[part] = (x.reshape(len(x), -1) if flatten else x, labels.astype(np.int64))
    (x_train, y_train), (x_test, y_test) = parts["train"], parts["test"]
    return finish_split(name, x_train, y_train, x_test, y_test, "classification",
                        standardize=standardize, class_names=class_names)


def mnist(root=None, *, flatten=True, standardize=False):
    """Handwritten digits, 28×28, the official 60000/10000 split; pixels scaled to [0, 1].

    Reads ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``
    and ``t10k-labels-idx1-ubyte`` (each optionally ``.gz``) from ``root``, by default
    ``data_home("mnist")``. Nothing is downloaded.
    """
    return _load_idx_pair("mnist", root, flatten, standardize, [str(d) for d in range(10)])


def fashion_mnist(root=None, *, flatten=True, standardize=False):
    """Zalando's clothing images, same format and file names as MNIST, in
    ``data_home("fashion_mnist")`` by default."""
    return _load_idx_pair("fashion_mnist", root, flatten, standardize, _FASHION_CLASSES)
