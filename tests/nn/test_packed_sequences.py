"""Packed sequences: packing and padding round trips, and RNN/LSTM/GRU on PackedSequence inputs
against PyTorch with copied weights in float64 (outputs, final states, every gradient)."""

import numpy as np
import pytest

import gradiente as gr
from gradiente.nn.modules import rnn
from gradiente.nn.utils.rnn import (
    PackedSequence,
    invert_permutation,
    pack_padded_sequence,
    pack_sequence,
    pad_packed_sequence,
    unpack_sequence,
    unpad_sequence,
)
from tests.helpers import HAS_TORCH, requires_torch, to_numpy
from tests.nn.helpers import assert_close

if HAS_TORCH:
    import torch


def test_pack_padded_sequence_lays_out_steps_by_decreasing_length():
    padded = gr.tensor([[1, 2, 0], [3, 0, 0], [4, 5, 6]])
    packed = pack_padded_sequence(padded, [2, 1, 3], batch_first=True, enforce_sorted=False)
    assert packed.data.tolist() == [4, 1, 3, 5, 2, 6]
    assert packed.batch_sizes.tolist() == [3, 2, 1]
    assert packed.sorted_indices.tolist() == [2, 0, 1]
    assert packed.unsorted_indices.tolist() == [1, 2, 0]
    back, lengths = pad_packed_sequence(packed, batch_first=True)
    assert back.tolist() == padded.tolist() and lengths.tolist() == [2, 1, 3]
    assert str(lengths.dtype) == "gradiente.int64"


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("lengths, enforce_sorted", [([4, 4, 2], True), ([1, 4, 3, 3], False)])
def test_pack_then_pad_round_trip(batch_first, lengths, enforce_sorted):
    rng = np.random.default_rng(0)
    shape = (len(lengths), 5, 2, 3) if batch_first else (5, len(lengths), 2, 3)
    x = gr.tensor(rng.standard_normal(shape), requires_grad=True)
    packed = pack_padded_sequence(x, lengths, batch_first, enforce_sorted)
    assert tuple(packed.data.shape) == (sum(lengths), 2, 3)
    padded, got = pad_packed_sequence(packed, batch_first, padding_value=-7.0, total_length=6)
    assert got.tolist() == lengths
    time_major = padded if not batch_first else padded.transpose(0, 1)
    source = x if not batch_first else x.transpose(0, 1)
    for b, n in enumerate(lengths):
        assert time_major[:n, b].tolist() == source[:n, b].tolist()
        assert (to_numpy(time_major[n:, b]) == -7.0).all()
    cotangent = rng.standard_normal(tuple(padded.shape))
    padded.backward(gr.tensor(cotangent))
    # the gradient reaches exactly the valid steps; padding and steps past a length get none
    expected = np.zeros(shape)
    for b, n in enumerate(lengths):
        if batch_first:
            expected[b, :n] = cotangent[b, :n]
        else:
            expected[:n, b] = cotangent[:n, b]
    np.testing.assert_array_equal(to_numpy(x.grad), expected)


def test_pack_sequence_unpack_sequence_and_unpad_sequence():
    sequences = [gr.tensor([1.0, 2.0]), gr.tensor([3.0, 4.0, 5.0]), gr.tensor([6.0])]
    with pytest.raises(RuntimeError, match=r"pack_padded_sequence.*\[2, 3, 1\]"):
        pack_sequence(sequences)
    packed = pack_sequence(sequences, enforce_sorted=False)
    assert packed.data.tolist() == [3.0, 1.0, 6.0, 4.0, 2.0, 5.0]
    assert [s.tolist() for s in unpack_sequence(packed)] == [s.tolist() for s in sequences]
    padded = gr.nn.utils.rnn.pad_sequence(sequences)
    unpadded = unpad_sequence(padded, gr.tensor([2, 3, 1]))
    assert [s.tolist() for s in unpadded] == [s.tolist() for s in sequences]
    sorted_packed = pack_sequence([sequences[1], sequences[0], sequences[2]])
    assert sorted_packed.sorted_indices is None and sorted_packed.unsorted_indices is None


def test_packed_sequence_fields_and_inverse_permutation():
    permutation = gr.tensor([2, 0, 3, 1])
    assert invert_permutation(permutation).tolist() == [1, 3, 0, 2]
    assert invert_permutation(None) is None
    packed = PackedSequence(gr.ones(3, 2), gr.tensor([2, 1]), gr.tensor([1, 0]))
    assert packed.unsorted_indices.tolist() == [1, 0]
    data, batch_sizes, sorted_indices, unsorted_indices = packed
    assert batch_sizes.tolist() == [2, 1] and sorted_indices.tolist() == [1, 0]
    assert packed.to(gr.float64).data.dtype == gr.float64


def test_errors_name_the_function_and_the_lengths():
    x = gr.randn(4, 3, 2)
    with pytest.raises(RuntimeError, match=r"pack_padded_sequence: `lengths` array must be "
                                           r"sorted in decreasing order .*\[3, 4, 2\]"):
        pack_padded_sequence(x, [3, 4, 2])
    with pytest.raises(RuntimeError, match=r"pack_padded_sequence: length of all samples has "
                                           r"to be greater than 0, got lengths \[4, 0, 2\]"):
        pack_padded_sequence(x, [4, 0, 2], enforce_sorted=False)
    with pytest.raises(RuntimeError, match=r"pack_padded_sequence: lengths \[5, 4, 2\] exceed "
                                           r"the input's 4 time steps"):
        pack_padded_sequence(x, [5, 4, 2])
    with pytest.raises(RuntimeError, match=r"len\(lengths\) to be equal to batch_size, but "
                                           r"got 2 \(batch_size=3\)"):
        pack_padded_sequence(x, [4, 3])
    with pytest.raises(ValueError, match="pack_padded_sequence: .* got shape \\(4,\\)"):
        pack_padded_sequence(gr.randn(4), [4])
    packed = pack_padded_sequence(x, [3, 3, 2])
    with pytest.raises(ValueError, match=r"pad_packed_sequence: .*total_length=2 and max "
                                         r"sequence length being 3"):
        pad_packed_sequence(packed, total_length=2)
    with pytest.raises(RuntimeError, match="LSTM: input.size\\(-1\\) must be equal to "
                                           "input_size. Expected 3, got 2"):
        rnn.LSTM(3, 4)(packed)


CASES = [
    ("RNN", dict(input_size=3, hidden_size=4), [5, 3, 3, 1], True),
    ("RNN", dict(input_size=3, hidden_size=4, nonlinearity="relu", num_layers=2,
                 bidirectional=True), [2, 5, 1, 4], False),
    ("LSTM", dict(input_size=3, hidden_size=4), [5, 4, 2], True),
    ("LSTM", dict(input_size=3, hidden_size=2, num_layers=2, bidirectional=True,
                  batch_first=True), [3, 5, 5, 1], False),
    ("GRU", dict(input_size=3, hidden_size=4, num_layers=2, bias=False), [4, 5, 2], False),
    ("GRU", dict(input_size=3, hidden_size=3, bidirectional=True), [5, 5, 5], True),
]


def _pairs(out):
    """Flatten (packed output, h_n) or (packed output, (h_n, c_n)) into a list of tensors."""
    output, hidden = out
    return [output.data, output.batch_sizes, *(hidden if isinstance(hidden, tuple)
                                               else (hidden,))]


@requires_torch
@pytest.mark.parametrize("with_initial_state", [False, True])
@pytest.mark.parametrize("kind, options, lengths, enforce_sorted", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_packed_recurrent_layer_matches_torch(kind, options, lengths, enforce_sorted,
                                              with_initial_state):
    ours = getattr(rnn, kind)(**options).double()
    theirs = getattr(torch.nn, kind)(**options).double()
    ours.load_state_dict(theirs.state_dict())
    rng = np.random.default_rng(0)
    batch_first = options.get("batch_first", False)
    steps = max(lengths)
    x = rng.standard_normal((len(lengths), steps, 3) if batch_first else (steps, len(lengths), 3))
    xg, xt = gr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    packed_g = pack_padded_sequence(xg, lengths, batch_first, enforce_sorted)
    packed_t = torch.nn.utils.rnn.pack_padded_sequence(xt, lengths, batch_first, enforce_sorted)
    states_g, states_t = (), ()
    if with_initial_state:
        directions = 2 if options.get("bidirectional") else 1
        shape = (options.get("num_layers", 1) * directions, len(lengths), options["hidden_size"])
        for _ in range(2 if kind == "LSTM" else 1):
            h0 = rng.standard_normal(shape)
            states_g += (gr.tensor(h0, requires_grad=True),)
            states_t += (torch.tensor(h0, requires_grad=True),)
        hx_g = states_g if kind == "LSTM" else states_g[0]
        hx_t = states_t if kind == "LSTM" else states_t[0]
        out_g, out_t = ours(packed_g, hx_g), theirs(packed_t, hx_t)
    else:
        out_g, out_t = ours(packed_g), theirs(packed_t)
    assert isinstance(out_g[0], PackedSequence)
    for name in ("sorted_indices", "unsorted_indices"):
        ours_indices, their_indices = getattr(out_g[0], name), getattr(out_t[0], name)
        assert (ours_indices is None) == (their_indices is None) == enforce_sorted, name
        if their_indices is not None:
            assert ours_indices.tolist() == their_indices.tolist(), name
    total_g, total_t = 0, 0
    for k, (a, b) in enumerate(zip(_pairs(out_g), _pairs(out_t))):
        assert_close(a, b, f"{kind} output {k}")
        if b.dtype == torch.float64:
            w = rng.standard_normal(tuple(b.shape))
            total_g = total_g + (a * gr.tensor(w)).sum()
            total_t = total_t + (b * torch.tensor(w)).sum()
    padded_g, _ = pad_packed_sequence(out_g[0], batch_first)
    padded_t, _ = torch.nn.utils.rnn.pad_packed_sequence(out_t[0], batch_first)
    assert_close(padded_g, padded_t, f"{kind} padded output")
    total_g.backward()
    total_t.backward()
    assert_close(xg.grad, xt.grad, f"{kind} input gradient", rtol=1e-9)
    for k, (a, b) in enumerate(zip(states_g, states_t)):
        assert_close(a.grad, b.grad, f"{kind} initial state {k} gradient", rtol=1e-9)
    ours_params = dict(ours.named_parameters())
    for name, p in theirs.named_parameters():
        assert_close(ours_params[name].grad, p.grad, f"{kind}.{name} gradient", rtol=1e-9)


def test_final_state_is_taken_at_each_sequences_last_step():
    gr.manual_seed(0)
    gru = rnn.GRU(2, 3, batch_first=True).double()
    x = gr.randn(3, 4, 2, dtype=gr.float64)
    lengths = [2, 4, 1]
    _, h_n = gru(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))
    for b, n in enumerate(lengths):
        _, alone = gru(x[b:b + 1, :n])
        np.testing.assert_allclose(to_numpy(h_n[:, b]), to_numpy(alone[:, 0]), rtol=1e-12)
