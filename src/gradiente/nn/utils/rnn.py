"""``nn.utils.rnn``: padding and packing variable-length sequences for the recurrent layers.

A ``PackedSequence`` holds the time steps of a batch sorted by decreasing length, step after
step: ``data`` is (sum of lengths, *) and ``batch_sizes[t]`` says how many sequences are still
running at step t. Packing and unpacking are each one gather, so gradients flow through both.
"""

from typing import NamedTuple

import numpy as np

from ...creation import full
from ...ops.movement import cat, stack
from ...tensor import Tensor

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence",
           "pad_packed_sequence", "pad_sequence", "unpad_sequence", "pack_sequence",
           "unpack_sequence"]


class _PackedSequenceFields(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


class PackedSequence(_PackedSequenceFields):
    """``data`` (sum of lengths, *), ``batch_sizes`` (int64, one per step), and the batch
    permutation ``sorted_indices`` (None when the input was already sorted) with its inverse
    ``unsorted_indices``. Made by ``pack_padded_sequence`` or ``pack_sequence``."""

    def __new__(cls, data, batch_sizes, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        """The same packing with ``data`` converted as ``Tensor.to`` would; indices follow its
        device."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        move = lambda t: None if t is None else t.to(data.device)  # noqa: E731
        return type(self)(data, self.batch_sizes, move(self.sorted_indices),
                          move(self.unsorted_indices))


def invert_permutation(permutation):
    """The permutation q with q[p[i]] = i (None for None)."""
    if permutation is None:
        return None
    inverse = np.empty(permutation.shape[0], dtype=np.int64)
    inverse[permutation.array] = np.arange(permutation.shape[0])
    return Tensor._make(inverse)


def _lengths_array(lengths):
    values = lengths.array if isinstance(lengths, Tensor) else lengths
    return np.asarray(values).astype(np.int64).reshape(-1)


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch (T, B, *) (or (B, T, *) with ``batch_first``) of sequences of the
    given lengths; ``enforce_sorted=False`` sorts the batch by decreasing length first.

    >>> import gradiente as gr
    >>> pack_padded_sequence(gr.tensor([[1, 2, 0], [3, 0, 0]]), [2, 1], batch_first=True).data
    tensor([1, 3, 2])
    """
    lengths = _lengths_array(lengths)
    if input.ndim < 2:
        raise ValueError(f"pack_padded_sequence: input must have a time and a batch dimension, "
                         f"got shape {tuple(input.shape)}")
    if batch_first:
        input = input.transpose(0, 1)
    steps, batch = input.shape[0], input.shape[1]
    if len(lengths) != batch:
        raise RuntimeError(f"pack_padded_sequence: expected len(lengths) to be equal to "
                           f"batch_size, but got {len(lengths)} (batch_size={batch})")
    if (lengths <= 0).any():
        raise RuntimeError(f"pack_padded_sequence: length of all samples has to be greater "
                           f"than 0, got lengths {lengths.tolist()}")
    if (lengths > steps).any():
        raise RuntimeError(f"pack_padded_sequence: lengths {lengths.tolist()} exceed the "
                           f"input's {steps} time steps")
    sorted_indices = None
    order = np.arange(batch)
    if enforce_sorted:
        if (np.diff(lengths) > 0).any():
            raise RuntimeError(
                f"pack_padded_sequence: `lengths` array must be sorted in decreasing order "
                f"when `enforce_sorted` is True, got {lengths.tolist()}. You can pass "
                f"`enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to "
                f"sidestep this requirement")
    else:
        order = np.argsort(-lengths, kind="stable")
        sorted_indices = Tensor._make(order)
        lengths = lengths[order]
    batch_sizes = (lengths[None, :] > np.arange(lengths[0])[:, None]).sum(1)
    # row t*B + b of the flattened input is step t of sequence b; take the running ones
    rows = np.concatenate([t * batch + order[:n] for t, n in enumerate(batch_sizes)])
    data = input.reshape((steps * batch,) + tuple(input.shape[2:]))[Tensor._make(rows)]
    return PackedSequence(data, Tensor._make(batch_sizes.astype(np.int64)), sorted_indices)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Undo ``pack_padded_sequence``: (padded (T, B, *) or (B, T, *), lengths), the batch in
    its original order, T the longest length or ``total_length``."""
    batch_sizes = sequence.batch_sizes.array
    steps, batch = len(batch_sizes), int(batch_sizes[0])
    if total_length is not None:
        if total_length < steps:
            raise ValueError(f"pad_packed_sequence: expected total_length to be at least the "
                             f"length of the longest sequence in input, but got "
                             f"total_length={total_length} and max sequence length being "
                             f"{steps}")
        steps = total_length
    data = sequence.data
    padding_row = data.shape[0]
    # gather[t, b]: the data row of step t of sorted sequence b, or the padding row after data
    gather = np.full((steps, batch), padding_row, dtype=np.int64)
    offset = 0
    for t, n in enumerate(batch_sizes):
        gather[t, :n] = np.arange(offset, offset + n)
        offset += n
    lengths = (gather != padding_row).sum(0)
    if sequence.unsorted_indices is not None:
        gather, lengths = gather[:, sequence.unsorted_indices.array], \
            lengths[sequence.unsorted_indices.array]
    if batch_first:
        gather = gather.T
    filler = full((1,) + tuple(data.shape[1:]), padding_value, dtype=data.dtype,
                  device=data.device)
    padded = cat([data, filler])[Tensor._make(gather.reshape(-1))]
    return padded.reshape(gather.shape + tuple(data.shape[1:])), Tensor._make(lengths)


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of sequences (L_i, *): ``pad_sequence`` then ``pack_padded_sequence``."""
    lengths = [seq.shape[0] for seq in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """The list of sequences a ``PackedSequence`` holds, in their original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """Split a padded batch into its sequences, each cut to its length."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    lengths = _lengths_array(lengths)
    if len(lengths) != padded_sequences.shape[0]:
        raise ValueError(f"unpad_sequence: got {len(lengths)} lengths for a batch of "
                         f"{padded_sequences.shape[0]} sequences")
    return [seq[:int(n)] for seq, n in zip(padded_sequences.unbind(0), lengths)]


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack sequences (L_i, *) into (T, B, *) (or (B, T, *) with ``batch_first``), T the
    longest L_i, filling the rest with ``padding_value`` on ``padding_side``.

    >>> import gradiente as gr
    >>> pad_sequence([gr.ones(2), gr.ones(1)], batch_first=True)
    tensor([[1., 1.],
            [1., 0.]])
    """
    if padding_side not in ("left", "right"):
        raise ValueError(f"pad_sequence: padding_side must be 'left' or 'right', got "
                         f"{padding_side!r}")
    if isinstance(sequences, Tensor):
        sequences = list(sequences.unbind(0))
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("pad_sequence: received an empty list of sequences")
    trailing = tuple(sequences[0].shape[1:])
    for i, seq in enumerate(sequences):
        if seq.ndim < 1 or tuple(seq.shape[1:]) != trailing:
            raise RuntimeError(f"pad_sequence: every sequence needs the trailing shape "
                               f"{trailing} of sequence 0 (shape {tuple(sequences[0].shape)}), "
                               f"got shape {tuple(seq.shape)} for sequence {i}")
    longest = max(seq.shape[0] for seq in sequences)
    padded = []
    for seq in sequences:
        filler = full((longest - seq.shape[0],) + trailing, padding_value, dtype=seq.dtype,
                      device=seq.device)
        padded.append(cat([seq, filler] if padding_side == "right" else [filler, seq]))
    return stack(padded, dim=0 if batch_first else 1)
