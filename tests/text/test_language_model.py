"""Vocabulary, context windows, the bigram and Bengio models, sampling and the lm command."""

import math

import numpy as np
import pytest

import gradiente as gr
from gradiente import text
from gradiente.cli import main



def test_vocabulary_maps_tokens_indices_and_one_hot_vectors():
    vocab = text.Vocabulary.from_words(["ana", "bob"])
    assert vocab.tokens == [".", "a", "b", "n", "o"]
    assert vocab.encode("nab") == [3, 1, 2]
    assert vocab.decode([2, 4, 2]) == "bob"
    one_hot = vocab.one_hot("ab")
    assert one_hot.tolist() == [[0, 1, 0, 0, 0], [0, 0, 1, 0, 0]]
    with pytest.raises(ValueError, match="'z' is not in the vocabulary"):
        vocab.encode("z")


def test_context_windows_pad_with_the_boundary_token():
    vocab = text.Vocabulary.from_words(["ab"])
    x, y = text.context_windows(["ab"], vocab, 2)
    assert x.tolist() == [[0, 0], [0, 1], [1, 2]]  # '..' -> a, '.a' -> b, 'ab' -> '.'
    assert y.tolist() == [1, 2, 0]


def test_bigram_probabilities_are_smoothed_counts():
    vocab = text.Vocabulary.from_words(["ab", "aa"])
    x, y = text.context_windows(["ab", "aa"], vocab, 1)
    model = text.BigramLM(len(vocab), smoothing=0.0).fit(x, y)
    probs = np.exp(model(gr.tensor([[1]])).numpy())[0]  # after 'a': a, b, '.' once each
    np.testing.assert_allclose(probs, [1 / 3, 1 / 3, 1 / 3], rtol=1e-6)


def test_corpora_load_offline_and_split_reproducibly():
    pytest.importorskip("faker")  # the name corpora come from Faker, an optional extra
    words = text.corpus("names")
    assert len(words) > 5000 and all(w.isalpha() and w == w.lower() for w in words)
    first = text.split_words(words, seed=3)
    assert first == text.split_words(words, seed=3)
    assert sum(len(part) for part in first) == len(words)
    assert not set(first[0]) & set(first[2])
    with pytest.raises(ValueError, match="unknown corpus"):
        text.corpus("klingon")


def test_char_mlp_beats_bigram_counts_on_held_out_words():
    pytest.importorskip("faker")  # the name corpora come from Faker, an optional extra
    words = text.corpus("names")[::4]
    train, _, test = text.split_words(words, seed=0)
    vocab = text.Vocabulary.from_words(words)
    bigram = text.BigramLM(len(vocab)).fit(*text.context_windows(train, vocab, 1))
    bigram_loss, _ = text.evaluate(bigram, *text.context_windows(test, vocab, 1))
    gr.manual_seed(0)
    model = text.CharMLP(len(vocab), context=3, embed=10, hidden=64)
    x, y = text.context_windows(train, vocab, 3)
    history = text.train_char_mlp(model, x, y, epochs=4, batch_size=64, lr=0.1)
    assert history[-1] < history[0]
    loss, perplexity = text.evaluate(model, *text.context_windows(test, vocab, 3))
    assert loss < bigram_loss
    assert math.isclose(perplexity, math.exp(loss))


def test_sampling_respects_temperature_top_k_and_seed():
    vocab = text.Vocabulary.from_words(["ab"])
    model = text.BigramLM(len(vocab), smoothing=0.0)
    model.counts[:] = [[0, 1, 0], [0, 0, 1], [1, 0, 0]]  # '.' -> a -> b -> '.'
    assert text.sample(model, vocab, 3, generator=gr.Generator().manual_seed(0)) == ["ab"] * 3
    # rows '.', a, b: each token's least likely successor is 1 count of 6
    model.counts[:] = [[1, 3, 2], [3, 1, 2], [3, 2, 1]]

    def draw(seed, **options):
        return text.sample(model, vocab, 400, generator=gr.Generator().manual_seed(seed),
                           **options)

    def has_a_least_likely_step(word):
        return word == "" or "aa" in word or "bb" in word

    top_two = draw(1, top_k=2)
    assert top_two == draw(1, top_k=2)
    assert not any(has_a_least_likely_step(w) for w in top_two)
    assert sum(has_a_least_likely_step(w) for w in draw(1)) > 50  # 1/6 of first steps alone
    # the most likely successors: '.' -> a -> '.'
    assert draw(2, temperature=1e-3) == ["a"] * 400
    # empty words: P('.' first) = 1/6 at temperature 1, near 1/3 when flattened
    assert draw(3).count("") / 400 < 0.25 < draw(3, temperature=100.0).count("") / 400
    with pytest.raises(ValueError, match="temperature must be positive"):
        text.sample(model, vocab, 1, temperature=0)


def test_lm_command_trains_saves_and_samples(tmp_path, capsys):
    pytest.importorskip("faker")  # the name corpora come from Faker, an optional extra
    out = tmp_path / "lm"
    assert main(["lm", "train", "--epochs", "1", "--hidden", "16", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "held-out loss per character" in printed and "bigram counts" in printed
    assert main(["lm", "sample", str(out), "-n", "4", "--seed", "2"]) == 0
    words = capsys.readouterr().out.split()
    assert len(words) == 4 and all(w.isalpha() for w in words)


def test_lm_command_errors_are_one_line(tmp_path, capsys):
    assert main(["lm", "sample", str(tmp_path)]) == 2
    assert "no language model checkpoint" in capsys.readouterr().err
    (tmp_path / "lm.safetensors").write_bytes(b"not a checkpoint")
    assert main(["lm", "sample", str(tmp_path)]) == 2
    assert "cannot load" in capsys.readouterr().err
    assert main(["lm", "train", "--corpus", "klingon"]) == 2
    assert main(["lm", "train", "--epochs", "0"]) == 2
