"""Word lists that work offline: first names from the person providers of Faker.

``names`` gathers the lowercase ASCII first names of every Faker locale (about 16,000);
``nombres`` those of its Spanish-speaking locales, accents kept. Faker is an optional
dependency (the ``apps`` extra); without it, loading a corpus says how to install it.
"""

import importlib
import pkgutil

import numpy as np

__all__ = ["CORPORA", "corpus", "split_words"]

_SPANISH = ("es_ES", "es_MX", "es_CO", "es_AR", "es_CL", "es_CA")
_FIELDS = ("first_names", "first_names_female", "first_names_male")


def _faker_person_providers(locales=None):
    try:
        import faker.providers.person as person
    except ImportError:
        raise RuntimeError("the name corpora come from the Faker package: "
                           "pip install 'gradiente[apps]' (or pip install faker)") from None
    names = [m.name for m in pkgutil.iter_modules(person.__path__)]
    for name in sorted(names):
        if locales is not None and name not in locales:
            continue
        yield importlib.import_module(f"faker.providers.person.{name}").Provider


def _first_names(locales, ascii_only):
    words = set()
    for provider in _faker_person_providers(locales):
        for field in _FIELDS:
            values = getattr(provider, field, None)
            if not isinstance(values, (dict, tuple, list)):
                continue
            for word in values:
                word = str(word).strip().lower()
                if not word.isalpha():
                    continue
                if ascii_only and not all("a" <= c <= "z" for c in word):
                    continue
                words.add(word)
    return sorted(words)


CORPORA = {
    "names": lambda: _first_names(None, ascii_only=True),
    "nombres": lambda: _first_names(_SPANISH, ascii_only=False),
}


def corpus(name="names"):
    """The sorted, de-duplicated words of a corpus: ``names`` or ``nombres``."""
    if name not in CORPORA:
        raise ValueError(f"unknown corpus {name!r}; available: {', '.join(sorted(CORPORA))}")
    return CORPORA[name]()


def split_words(words, fractions=(0.8, 0.1, 0.1), seed=0):
    """Shuffle ``words`` with ``seed`` and cut them into train, validation and test lists."""
    if abs(sum(fractions) - 1) > 1e-9:
        raise ValueError(f"split_words: fractions must sum to 1, got {fractions}")
    order = np.random.default_rng(seed).permutation(len(words))
    shuffled = [words[i] for i in order]
    cuts = np.cumsum([int(round(f * len(words))) for f in fractions[:-1]])
    return [shuffled[a:b] for a, b in zip([0, *cuts], [*cuts, len(words)])]
