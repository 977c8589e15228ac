"""``nn.utils.rnn``: ``pad_sequence``, stacking variable-length sequences with padding."""

from ...creation import full
from ...ops.movement import cat, stack
from ...tensor import Tensor

__all__ = ["pad_sequence"]


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
