"""Small real datasets bundled with scikit-learn (read from its installed files, offline)."""

import numpy as np

from .split import make_split

__all__ = ["breast_cancer", "diabetes", "digits", "iris", "wine"]


def _bunch(loader_name):
    try:
        from sklearn import datasets as sk_datasets
    except ImportError:
        raise ImportError(f"datasets.{loader_name[5:]}: needs scikit-learn, which bundles the "
                          f"data; install it with pip install 'gradiente[apps]'") from None
    return getattr(sk_datasets, loader_name)()


def _classification(name, test_size, standardize, seed):
    bunch = _bunch(f"load_{name}")
    return make_split(name, bunch.data, bunch.target, "classification", test_size=test_size,
                      seed=seed, standardize=standardize,
                      feature_names=[str(f) for f in bunch.feature_names],
                      class_names=[str(c) for c in bunch.target_names])


def digits(*, test_size=0.2, standardize=False, seed=0):
    """8×8 images of handwritten digits: 1797 examples, 64 features (0–16), 10 classes.

    The split is stratified and seeded: 1437 training and 360 test examples by default.
    """
    return _classification("digits", test_size, standardize, seed)


def iris(*, test_size=0.2, standardize=False, seed=0):
    """Fisher's iris: 150 flowers, 4 measurements in cm, 3 species (stratified split)."""
    return _classification("iris", test_size, standardize, seed)


def breast_cancer(*, test_size=0.2, standardize=False, seed=0):
    """Wisconsin breast cancer: 569 tumours, 30 features, 2 classes (0 malignant, 1 benign)."""
    return _classification("breast_cancer", test_size, standardize, seed)


def wine(*, test_size=0.2, standardize=False, seed=0):
    """Wine recognition: 178 wines, 13 chemical features, 3 cultivars (stratified split)."""
    return _classification("wine", test_size, standardize, seed)


def diabetes(*, test_size=0.2, standardize=False, seed=0):
    """Diabetes progression: 442 patients, 10 (already scaled) features, a real target."""
    bunch = _bunch("load_diabetes")
    return make_split("diabetes", bunch.data, np.asarray(bunch.target, dtype=np.float64),
                      "regression", test_size=test_size, seed=seed, standardize=standardize,
                      feature_names=list(bunch.feature_names))
