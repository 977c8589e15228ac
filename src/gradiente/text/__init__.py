"""Language modelling, as lecture 003 draws it: a vocabulary, one-hot vectors, and a
probability vector over the next token.

- ``corpus``: word lists that work offline (first names shipped by the Faker package);
- ``Vocabulary``: tokens <-> indices <-> one-hot vectors;
- ``BigramLM`` (counts) and ``CharMLP`` (Bengio et al., 2003), trained on the same
  context windows, with held-out loss per character and perplexity;
- ``sample``: new words with temperature and top-k.
"""

from .corpus import CORPORA, corpus, split_words
from .vocab import BOUNDARY, Vocabulary
from .lm import BigramLM, CharMLP, context_windows, evaluate, sample, train_char_mlp

__all__ = ["CORPORA", "corpus", "split_words", "BOUNDARY", "Vocabulary", "BigramLM", "CharMLP",
           "context_windows", "evaluate", "sample", "train_char_mlp"]
