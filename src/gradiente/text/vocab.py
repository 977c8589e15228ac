"""A vocabulary: tokens <-> indices <-> one-hot vectors, as lecture 003 draws it."""

from .. import creation, dtypes
from ..nn import functional as F

__all__ = ["BOUNDARY", "Vocabulary"]

BOUNDARY = "."  # marks both the start and the end of a word


class Vocabulary:
    """Index 0 is the word boundary ``'.'``; the other tokens follow in sorted order.

    >>> vocab = Vocabulary.from_words(["ana", "bo"])
    >>> vocab.tokens
    ['.', 'a', 'b', 'n', 'o']
    >>> vocab.encode("ban")
    [2, 1, 3]
    """

    def __init__(self, tokens):
        tokens = list(tokens)
        if len(set(tokens)) != len(tokens):
            raise ValueError("Vocabulary: tokens must be unique")
        self.tokens = tokens
        self.index = {t: i for i, t in enumerate(tokens)}

    @classmethod
    def from_words(cls, words):
        characters = sorted({c for word in words for c in word} - {BOUNDARY})
        return cls([BOUNDARY, *characters])

    def __len__(self):
        return len(self.tokens)

    def __contains__(self, token):
        return token in self.index

    def encode(self, text):
        try:
            return [self.index[c] for c in text]
        except KeyError as error:
            raise ValueError(f"Vocabulary: token {error.args[0]!r} is not in the vocabulary "
                             f"of {len(self)} tokens") from None

    def decode(self, indices):
        return "".join(self.tokens[int(i)] for i in indices)

    def one_hot(self, text):
        """The one-hot matrix of ``text``: one row per token, a 1 in the token's column."""
        indices = creation.tensor(self.encode(text), dtype=dtypes.int64)
        return F.one_hot(indices, len(self)).to(dtypes.float32)

    def to_dict(self):
        return {"tokens": self.tokens}

    @classmethod
    def from_dict(cls, state):
        return cls(state["tokens"])

    def __repr__(self):
        shown = "".join(self.tokens[:40])
        return f"Vocabulary({len(self)} tokens: {shown!r})"
