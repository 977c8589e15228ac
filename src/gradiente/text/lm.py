"""Character-level language models: bigram counts and Bengio et al.'s (2003) neural model.

Both read a context of the previous characters (``'.'`` pads the start of a word and ends it)
and give a probability vector over the next one. ``CharMLP`` embeds each context character
(a row of C, the one-hot vector times C), concatenates the embeddings, applies a tanh hidden
layer and a softmax over the vocabulary.
"""

import math

import numpy as np

from .. import creation, dtypes, nn, optim
from ..autograd.grad_mode import no_grad
from ..creation import multinomial
from ..nn import functional as F
from ..random import Generator
from .vocab import BOUNDARY

__all__ = ["context_windows", "BigramLM", "CharMLP", "evaluate", "train_char_mlp", "sample"]


def context_windows(words, vocab, context):
    """Every (previous ``context`` tokens, next token) pair of the words, as int64 tensors."""
    inputs, targets = [], []
    for word in words:
        window = [0] * context
        for index in vocab.encode(word + BOUNDARY):
            inputs.append(window)
            targets.append(index)
            window = window[1:] + [index]
    x = creation.tensor(np.asarray(inputs, dtype=np.int64).reshape(-1, context))
    return x, creation.tensor(np.asarray(targets, dtype=np.int64))


class BigramLM:
    """P(next | previous) from counts, with add-``smoothing`` (Laplace) smoothing."""

    context = 1

    def __init__(self, vocab_size, smoothing=1.0):
        self.counts = np.zeros((vocab_size, vocab_size))
        self.smoothing = smoothing

    def fit(self, x, y):
        np.add.at(self.counts, (x.array[:, -1], y.array), 1)
        return self

    def __call__(self, x):
        """Logits (log-probabilities) of the next token for each row of contexts ``x``."""
        counts = self.counts + self.smoothing
        with np.errstate(divide="ignore"):  # a never-seen pair without smoothing: log 0 = -inf
            log_probs = np.log(counts / counts.sum(axis=1, keepdims=True))
        return creation.tensor(log_probs[x.array[:, -1]], dtype=dtypes.float32)


class CharMLP(nn.Module):
    """Bengio et al. (2003): embeddings of the context, a tanh layer, logits over the vocabulary.

    >>> model = CharMLP(27, context=3, embed=10, hidden=200)
    >>> model(creation.zeros(4, 3, dtype=dtypes.int64)).shape
    gradiente.Size([4, 27])
    """

    def __init__(self, vocab_size, context=3, embed=10, hidden=200):
        super().__init__()
        self.context = context
        self.embedding = nn.Embedding(vocab_size, embed)
        self.hidden = nn.Linear(context * embed, hidden)
        self.output = nn.Linear(hidden, vocab_size)

    def forward(self, x):
        embedded = self.embedding(x)  # (N, context, embed)
        h = self.hidden(embedded.reshape(embedded.shape[0], -1)).tanh()
        return self.output(h)


def evaluate(model, x, y, batch_size=4096):
    """Mean loss per character (nats) and perplexity exp(loss) of ``model`` on (x, y)."""
    if isinstance(model, nn.Module):
        model.eval()
    total = 0.0
    with no_grad():
        for start in range(0, len(y), batch_size):
            logits = model(x[start:start + batch_size])
            total += F.cross_entropy(logits, y[start:start + batch_size],
                                     reduction="sum").item()
    loss = total / len(y)
    return loss, math.exp(loss)


def train_char_mlp(model, x, y, epochs=10, batch_size=128, lr=0.1, seed=0, decay_at=0.75,
                   callback=None):
    """Minibatch SGD on cross-entropy; the learning rate drops 10x after ``decay_at`` of the
    epochs. ``callback(epoch, loss)`` is called after each epoch. Returns the losses."""
    generator = Generator().manual_seed(seed)
    optimizer = optim.SGD(model.parameters(), lr=lr)
    milestone = max(1, int(epochs * decay_at))
    scheduler = optim.lr_scheduler.MultiStepLR(optimizer, [milestone], gamma=0.1)
    history = []
    for epoch in range(epochs):
        model.train()
        order = creation.randperm(len(y), generator=generator)
        total = 0.0
        for start in range(0, len(y), batch_size):
            batch = order[start:start + batch_size]
            loss = F.cross_entropy(model(x[batch]), y[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
        scheduler.step()
        history.append(total / len(y))
        if not math.isfinite(history[-1]):
            raise FloatingPointError(f"the training loss became {history[-1]} in epoch "
                                     f"{epoch + 1}; try a lower learning rate")
        if callback is not None:
            callback(epoch, history[-1])
    return history


def sample(model, vocab, n=10, temperature=1.0, top_k=None, generator=None, max_length=40):
    """``n`` new words: each next character drawn from softmax(logits / temperature),
    restricted to the ``top_k`` most likely characters when given."""
    if temperature <= 0:
        raise ValueError(f"sample: temperature must be positive, got {temperature}")
    if top_k is not None and not 1 <= top_k <= len(vocab):
        raise ValueError(f"sample: top_k must be in [1, {len(vocab)}], got {top_k}")
    if isinstance(model, nn.Module):
        model.eval()
    windows = np.zeros((n, model.context), dtype=np.int64)
    words = [[] for _ in range(n)]
    active = np.ones(n, dtype=bool)
    with no_grad():
        for _ in range(max_length):
            logits = model(creation.tensor(windows)) / temperature
            if top_k is not None:
                kth = logits.topk(top_k, dim=-1).values[:, -1:]
                logits = logits.masked_fill(logits < kth, float("-inf"))
            probs = F.softmax(logits, dim=-1)
            nxt = multinomial(probs, 1, generator=generator).array[:, 0]
            for i in np.flatnonzero(active):
                if nxt[i] == 0:
                    active[i] = False
                else:
                    words[i].append(nxt[i])
            if not active.any():
                break
            windows = np.concatenate([windows[:, 1:], nxt[:, None]], axis=1)
    return [vocab.decode(w) for w in words]
