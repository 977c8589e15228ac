"""RNN, LSTM, GRU and their cells against PyTorch, with PyTorch's weights copied in."""

import numpy as np
import pytest

import gradiente as gr
from gradiente.nn.modules import rnn
from tests.helpers import requires_torch, to_numpy

CASES = [
    ("RNN", dict(input_size=3, hidden_size=4), False),
    ("RNN", dict(input_size=3, hidden_size=4, nonlinearity="relu", num_layers=2), False),
    ("LSTM", dict(input_size=3, hidden_size=4), False),
    ("LSTM", dict(input_size=3, hidden_size=4, num_layers=2, batch_first=True), True),
    ("LSTM", dict(input_size=3, hidden_size=2, bidirectional=True), False),
    ("GRU", dict(input_size=3, hidden_size=4, num_layers=2, bias=False), False),
    ("GRU", dict(input_size=3, hidden_size=4, bidirectional=True, batch_first=True), True),
]


def _copy_weights(ours, theirs):
    names = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        p.data = gr.tensor(names[name].detach().numpy().copy())


def _leaves(out):
    if isinstance(out, tuple):
        return [t for item in out for t in _leaves(item)]
    return [out]


@requires_torch
@pytest.mark.parametrize("kind, options, batch_first", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_recurrent_layer_matches_torch(kind, options, batch_first):
    import torch

    ours = getattr(rnn, kind)(**options).double()
    theirs = getattr(torch.nn, kind)(**options).double()
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    _copy_weights(ours, theirs)
    x = np.random.default_rng(0).standard_normal((2, 5, 3) if batch_first else (5, 2, 3))
    xg, xt = gr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out_g, out_t = _leaves(ours(xg)), _leaves(theirs(xt))
    rng = np.random.default_rng(1)
    total_g, total_t = 0, 0
    for a, b in zip(out_g, out_t):
        np.testing.assert_allclose(to_numpy(a), to_numpy(b), rtol=1e-10, atol=1e-12)
        w = rng.standard_normal(tuple(b.shape))
        total_g = total_g + (a * gr.tensor(w)).sum()
        total_t = total_t + (b * torch.tensor(w)).sum()
    total_g.backward()
    total_t.backward()
    np.testing.assert_allclose(to_numpy(xg.grad), to_numpy(xt.grad), rtol=1e-9, atol=1e-12)
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(to_numpy(p.grad), to_numpy(q.grad), rtol=1e-9, atol=1e-12,
                                   err_msg=name)
    assert repr(ours) == repr(theirs)


@requires_torch
@pytest.mark.parametrize("kind", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cells_match_torch(kind):
    import torch

    ours, theirs = getattr(rnn, kind)(3, 4).double(), getattr(torch.nn, kind)(3, 4).double()
    _copy_weights(ours, theirs)
    x = np.random.default_rng(0).standard_normal((2, 3))
    for a, b in zip(_leaves(ours(gr.tensor(x))), _leaves(theirs(torch.tensor(x)))):
        np.testing.assert_allclose(to_numpy(a), to_numpy(b), rtol=1e-10, atol=1e-12)


def test_unbatched_input_and_initial_state():
    lstm = rnn.LSTM(3, 4)
    out, (h, c) = lstm(gr.randn(5, 3))
    assert tuple(out.shape) == (5, 4) and tuple(h.shape) == (1, 4) and tuple(c.shape) == (1, 4)
    gru = rnn.GRU(3, 4, num_layers=2)
    out, h = gru(gr.randn(5, 2, 3), gr.zeros(2, 2, 4))
    assert tuple(out.shape) == (5, 2, 4) and tuple(h.shape) == (2, 2, 4)


def test_wrong_sizes_are_named():
    with pytest.raises(RuntimeError, match="input_size. Expected 3, got 2"):
        rnn.GRU(3, 4)(gr.randn(5, 2, 2))
    with pytest.raises(RuntimeError, match=r"expected hidden size \(1, 2, 4\)"):
        rnn.RNN(3, 4)(gr.randn(5, 2, 3), gr.zeros(1, 3, 4))
