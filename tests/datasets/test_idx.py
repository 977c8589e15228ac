import gzip
import struct

import numpy as np
import pytest

from gradiente import datasets


def write_idx(path, array, code, fmt, compress=False):
    """An IDX file written by hand: magic (0, 0, type, ndim), big-endian dims, values."""
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    payload = header + array.astype(fmt).tobytes()
    if compress:
        payload = gzip.compress(payload)
    path.write_bytes(payload)
    return path


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("code,fmt", [(0x08, ">u1"), (0x09, ">i1"), (0x0B, ">i2"),
                                      (0x0C, ">i4"), (0x0D, ">f4"), (0x0E, ">f8")])
def test_read_idx_round_trips_every_type(tmp_path, code, fmt, compress):
    array = (np.arange(24).reshape(2, 3, 4) * (-1 if fmt[1] in "if" else 1)).astype(fmt)
    out = datasets.read_idx(write_idx(tmp_path / "a.idx", array, code, fmt, compress))
    assert out.shape == (2, 3, 4) and out.dtype.isnative
    np.testing.assert_array_equal(out, array)


def test_read_idx_rejects_bad_files(tmp_path):
    (tmp_path / "bad").write_bytes(b"\x01\x02\x08\x01")
    with pytest.raises(ValueError, match="not an IDX file"):
        datasets.read_idx(tmp_path / "bad")
    path = write_idx(tmp_path / "short", np.arange(6), 0x08, ">u1")
    path.write_bytes(path.read_bytes()[:-1])
    with pytest.raises(ValueError, match=r"5 bytes of data.*shape \(6,\)"):
        datasets.read_idx(path)


def _write_mnist(root, n_train=5, n_test=3, compress=True):
    rng = np.random.default_rng(0)
    arrays = {}
    for stem, n in [("train", n_train), ("t10k", n_test)]:
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n, dtype=np.uint8)
        suffix = ".gz" if compress else ""
        write_idx(root / f"{stem}-images-idx3-ubyte{suffix}", images, 0x08, ">u1", compress)
        write_idx(root / f"{stem}-labels-idx1-ubyte{suffix}", labels, 0x08, ">u1", compress)
        arrays[stem] = images, labels
    return arrays


@pytest.mark.parametrize("compress", [False, True])
def test_mnist_reads_the_four_files(tmp_path, compress):
    arrays = _write_mnist(tmp_path, compress=compress)
    split = datasets.mnist(tmp_path)
    assert split.x_train.shape == (5, 784) and split.x_test.shape == (3, 784)
    np.testing.assert_allclose(split.x_train, arrays["train"][0].reshape(5, -1) / 255.0)
    np.testing.assert_array_equal(split.y_test, arrays["t10k"][1])
    assert split.num_classes == 10
    images = datasets.fashion_mnist(tmp_path, flatten=False)
    assert images.x_test.shape == (3, 28, 28) and images.class_names[9] == "Ankle boot"


def test_missing_mnist_says_where_to_put_and_get_it(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADIENTE_DATA", str(tmp_path))
    with pytest.raises(datasets.DatasetNotFoundError) as info:
        datasets.mnist()
    message = str(info.value)
    assert str(tmp_path / "mnist") in message and "https://" in message
    assert "train-images-idx3-ubyte" in message


def test_mismatched_mnist_parts_are_reported(tmp_path):
    _write_mnist(tmp_path, compress=False)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.zeros(2), 0x08, ">u1")
    with pytest.raises(ValueError, match="test images"):
        datasets.mnist(tmp_path)
