"""Checkpoints: round trips, PyTorch interchange, atomic writes, damaged files."""

import io
import os
import sys
from collections import Counter

import numpy as np
import pytest

import gradiente as gr
from gradiente import nn, optim
from gradiente.optim import lr_scheduler
from tests.helpers import HAS_TORCH, requires_torch

pytest.importorskip("safetensors")

if HAS_TORCH:
    import safetensors.torch
    import torch


def _assert_same(a, b):
    """Equal structure, types, dtypes and values (NaN equal to NaN)."""
    assert type(a) is type(b) or (isinstance(a, dict) and isinstance(b, dict)), (a, b)
    if isinstance(a, gr.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, dict):
        assert list(a) == list(b)
        assert [type(k) for k in a] == [type(k) for k in b]
        for key in a:
            _assert_same(a[key], b[key])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _assert_same(x, y)
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b)
    else:
        assert a == b


def _mixed():
    w = gr.randn(3, 2)
    return {
        "weight": w,
        "same_weight": w,
        "scalar": gr.tensor(2.5, dtype=gr.float64),
        "ints": gr.arange(5),
        "mask": gr.tensor([True, False]),
        "empty": gr.zeros(0, 4),
        "half": gr.ones(2, dtype=gr.float16),
        "strided": gr.arange(12.0).reshape(3, 4).t(),
        "array": np.arange(6, dtype=np.int32).reshape(2, 3),
        "nested": {0: [1, 2.0, "three", None, True], 1.5: (gr.zeros(1), -7), None: {}},
        "floats": [float("inf"), float("-inf"), float("nan"), 1e-300],
        "a.b": gr.ones(1),
        "a": {"b": gr.zeros(1)},  # the same path as "a.b": names must stay distinct
        "numpy_scalars": [np.float32(0.5), np.int64(3)],
    }


def test_round_trip_of_mixed_structure(tmp_path):
    obj = _mixed()
    gr.save(obj, tmp_path / "ckpt.safetensors")
    loaded = gr.load(tmp_path / "ckpt.safetensors")
    expected = dict(obj, numpy_scalars=[0.5, 3])  # NumPy scalars come back as Python numbers
    _assert_same(loaded, expected)
    assert loaded["weight"] is loaded["same_weight"]  # one tensor stored once


def test_round_trip_through_file_object():
    buffer = io.BytesIO()
    gr.save([gr.ones(2), (1, "x")], buffer)
    buffer.seek(0)
    _assert_same(gr.load(buffer), [gr.ones(2), (1, "x")])


def test_top_level_tensor_and_requires_grad(tmp_path):
    path = tmp_path / "t.safetensors"
    gr.save(gr.ones(3, requires_grad=True), path)
    loaded = gr.load(path)
    assert loaded.requires_grad and loaded.is_leaf
    np.testing.assert_array_equal(loaded.detach().numpy(), np.ones(3, dtype=np.float32))


def test_model_state_dict_keeps_its_keys_as_tensor_names(tmp_path):
    import safetensors.numpy
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    path = tmp_path / "model.safetensors"
    gr.save(model.state_dict(), path)
    raw = safetensors.numpy.load_file(str(path))
    assert sorted(raw) == sorted(model.state_dict())
    fresh = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    fresh.load_state_dict(gr.load(path))
    x = gr.randn(5, 4)
    np.testing.assert_array_equal(fresh(x).detach().numpy(), model(x).detach().numpy())


def test_optimizer_resume_through_checkpoint_gives_identical_next_step(tmp_path):
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    opt = optim.Adam(model.parameters(), lr=0.01, amsgrad=True)
    sched = lr_scheduler.MultiStepLR(opt, milestones=[2, 2, 5], gamma=0.5)
    x, y = gr.randn(8, 3), gr.randn(8, 1)

    def train_step(m, o, s):
        o.zero_grad()
        loss = ((m(x) - y) ** 2).mean()
        loss.backward()
        o.step()
        s.step()

    for _ in range(3):
        train_step(model, opt, sched)
    path = tmp_path / "ckpt.safetensors"
    gr.save({"model": model.state_dict(), "optimizer": opt.state_dict(),
             "scheduler": sched.state_dict(), "epoch": 3}, path)
    ckpt = gr.load(path)
    assert ckpt["epoch"] == 3
    assert list(ckpt["optimizer"]["state"]) == [0, 1, 2, 3]
    assert ckpt["optimizer"]["param_groups"][0]["betas"] == (0.9, 0.999)
    assert isinstance(ckpt["scheduler"]["milestones"], dict)

    model2 = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    model2.load_state_dict(ckpt["model"])
    opt2 = optim.Adam(model2.parameters(), lr=0.01, amsgrad=True)
    sched2 = lr_scheduler.MultiStepLR(opt2, milestones=[1], gamma=0.1)
    opt2.load_state_dict(ckpt["optimizer"])
    sched2.load_state_dict(ckpt["scheduler"])
    assert sched2.milestones == Counter([2, 2, 5])
    for _ in range(3):
        train_step(model, opt, sched)
        train_step(model2, opt2, sched2)
        assert sched2.get_last_lr() == sched.get_last_lr()
        for p, q in zip(model.parameters(), model2.parameters()):
            np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())


def test_reduce_on_plateau_state_with_infinity(tmp_path):
    opt = optim.SGD([gr.zeros(1, requires_grad=True)], lr=0.1)
    sched = lr_scheduler.ReduceLROnPlateau(opt)
    gr.save(sched.state_dict(), tmp_path / "s.safetensors")
    loaded = gr.load(tmp_path / "s.safetensors")
    assert loaded["best"] == float("inf")
    _assert_same(loaded, sched.state_dict())


def test_unsupported_objects_are_refused_with_their_path(tmp_path):
    with pytest.raises(TypeError, match=r"cannot store an object of type object at key path "
                                        r"'opt'/0"):
        gr.save({"opt": [object()]}, tmp_path / "x.safetensors")
    with pytest.raises(TypeError, match="dict keys must be"):
        gr.save({(1, 2): 3}, tmp_path / "x.safetensors")
    with pytest.raises(ValueError, match="never pickles"):
        gr.save({}, tmp_path / "x.safetensors", pickle_module=object())
    assert not os.path.exists(tmp_path / "x.safetensors")


# ----- damaged files ----------------------------------------------------------------------------
def _small_checkpoint():
    buffer = io.BytesIO()
    obj = {"w": gr.tensor([[1.0, 2.0], [3.0, 4.0]]), "meta": {0: (0.01, "sgd")},
           "step": gr.tensor(3.0)}
    gr.save(obj, buffer)
    return obj, buffer.getvalue()


def test_every_truncation_raises_a_clear_error():
    _, data = _small_checkpoint()
    for size in range(len(data)):
        with pytest.raises(RuntimeError, match=r"load: .*(truncated|corrupted)"):
            gr.load(io.BytesIO(data[:size]))


def test_every_flipped_byte_raises_or_loads_the_same_data():
    obj, data = _small_checkpoint()
    raised = 0
    for position in range(len(data)):
        damaged = bytearray(data)
        damaged[position] ^= 0x21
        try:
            loaded = gr.load(io.BytesIO(bytes(damaged)))
        except RuntimeError as e:
            assert "load:" in str(e)
            raised += 1
            continue
        _assert_same(loaded, obj)  # only harmless bytes (padding, "format") may change
    assert raised > 0.9 * len(data)


def test_file_that_is_not_a_checkpoint(tmp_path):
    path = tmp_path / "junk.bin"
    path.write_bytes(b"\xff" * 64)
    with pytest.raises(RuntimeError, match="truncated or not a safetensors checkpoint"):
        gr.load(path)
    path.write_bytes((7).to_bytes(8, "little") + b"not json")
    with pytest.raises(RuntimeError, match="corrupted safetensors header"):
        gr.load(path)


@requires_torch
def test_pickle_files_are_refused_not_unpickled(tmp_path):
    path = tmp_path / "torch.pt"
    torch.save({"w": torch.ones(2)}, path)
    with pytest.raises(RuntimeError, match="load: "):
        gr.load(path)


# ----- atomic writes ------------------------------------------------------------------------------
def test_failed_write_leaves_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.safetensors"
    gr.save({"w": gr.ones(2)}, path)
    before = path.read_bytes()

    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        gr.save({"w": gr.zeros(2)}, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["ckpt.safetensors"]  # no temporary file left behind

    def interrupt(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupt)
    with pytest.raises(KeyboardInterrupt):
        gr.save({"w": gr.zeros(2)}, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["ckpt.safetensors"]


def test_new_file_gets_the_usual_permissions(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    gr.save({"w": gr.ones(2)}, path)
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask


def test_missing_safetensors_is_a_clear_import_error(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "safetensors.numpy", None)
    with pytest.raises(ImportError, match="need the safetensors package"):
        gr.save({"w": gr.ones(2)}, tmp_path / "x.safetensors")


# ----- PyTorch interchange ------------------------------------------------------------------------
def _models():
    ours = nn.Sequential(nn.Linear(10, 40), nn.ReLU(), nn.Linear(40, 40), nn.ReLU(),
                         nn.Linear(40, 5))
    theirs = torch.nn.Sequential(torch.nn.Linear(10, 40), torch.nn.ReLU(),
                                 torch.nn.Linear(40, 40), torch.nn.ReLU(),
                                 torch.nn.Linear(40, 5))
    return ours, theirs


@requires_torch
def test_gradiente_checkpoint_loads_into_torch(tmp_path):
    ours, theirs = _models()
    path = tmp_path / "model.safetensors"
    gr.save(ours.state_dict(), path)
    theirs.load_state_dict(safetensors.torch.load_file(str(path)))
    x = np.random.default_rng(0).standard_normal((7, 10)).astype(np.float32)
    np.testing.assert_allclose(theirs(torch.from_numpy(x)).detach().numpy(),
                               ours(gr.tensor(x)).detach().numpy(), rtol=1e-6, atol=1e-6)


@requires_torch
def test_torch_checkpoint_loads_into_gradiente(tmp_path):
    ours, theirs = _models()
    path = tmp_path / "model.safetensors"
    safetensors.torch.save_file(theirs.state_dict(), str(path))
    ours.load_state_dict(gr.load(path))
    x = np.random.default_rng(1).standard_normal((7, 10)).astype(np.float32)
    np.testing.assert_allclose(ours(gr.tensor(x)).detach().numpy(),
                               theirs(torch.from_numpy(x)).detach().numpy(), rtol=1e-6,
                               atol=1e-6)
