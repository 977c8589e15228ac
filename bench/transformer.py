"""A small Transformer language model (examples/transformer_names.py's shape) and its parts:
one training step, the attention layer alone, forward only; gradiente beside PyTorch.

    python bench/transformer.py
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import best_of, fmt, ratio, table, threads_note, torch_module  # noqa: E402

import numpy as np  # noqa: E402

import gradiente as gr  # noqa: E402

BATCH, LENGTH, VOCAB, D_MODEL, HEADS, LAYERS = 64, 16, 28, 48, 4, 2


def language_model(lib):
    nn = lib.nn

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.token = nn.Embedding(VOCAB, D_MODEL)
            self.position = nn.Embedding(LENGTH, D_MODEL)
            layer = nn.TransformerEncoderLayer(D_MODEL, HEADS, 4 * D_MODEL, dropout=0.0,
                                               activation="gelu", batch_first=True,
                                               norm_first=True)
            self.blocks = nn.TransformerEncoder(layer, LAYERS, enable_nested_tensor=False)
            self.head = nn.Linear(D_MODEL, VOCAB)
            self.register_buffer("causal", nn.Transformer.generate_square_subsequent_mask(LENGTH))

        def forward(self, ids):
            h = self.token(ids) + self.position(lib.arange(LENGTH))
            return self.head(self.blocks(h, mask=self.causal, is_causal=True))

    return Model()


def cases(lib):
    lib.manual_seed(0)
    rng = np.random.default_rng(0)
    ids = lib.tensor(rng.integers(0, VOCAB, (BATCH, LENGTH)))
    targets = lib.tensor(rng.integers(0, VOCAB, (BATCH * LENGTH,)))
    model = language_model(lib)
    optimizer = lib.optim.AdamW(model.parameters(), lr=1e-3)

    def step():
        optimizer.zero_grad()
        loss = lib.nn.functional.cross_entropy(model(ids).reshape(-1, VOCAB), targets)
        loss.backward()
        optimizer.step()

    def forward():
        with lib.no_grad():
            model(ids)

    attention = lib.nn.MultiheadAttention(D_MODEL, HEADS, batch_first=True)
    x = lib.tensor(rng.standard_normal((BATCH, LENGTH, D_MODEL)).astype(np.float32),
                   requires_grad=True)

    def attend():
        out, _ = attention(x, x, x, need_weights=False)
        out.sum().backward()

    return step, forward, attend


def main():
    torch = torch_module(threads=1)
    ours = cases(gr)
    theirs = cases(torch) if torch else (None, None, None)
    rows = []
    for name, a, b in zip(("training step (AdamW)", "forward, no grad",
                           "MultiheadAttention fwd+bwd"), ours, theirs):
        t_ours, t_theirs = best_of(a, b)
        t_ours, t_theirs = t_ours / 1000, None if t_theirs is None else t_theirs / 1000
        rows.append((name, fmt(t_ours, "ms"), fmt(t_theirs, "ms"), ratio(t_ours, t_theirs)))
    table(f"Transformer LM, batch {BATCH} x {LENGTH} tokens, d_model {D_MODEL}, {HEADS} heads, "
          f"{LAYERS} layers, float32", ("case", "gradiente", "PyTorch", "gradiente/PyTorch"),
          rows)
    print(threads_note())


if __name__ == "__main__":
    main()
