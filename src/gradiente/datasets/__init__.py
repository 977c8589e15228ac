"""Datasets that work offline: scikit-learn's bundled tables, seeded synthetic sets, and
MNIST/Fashion-MNIST read from local IDX files.

Every loader returns a ``Split`` (see ``split.py``): NumPy arrays ``x_train``, ``y_train``,
``x_test``, ``y_test``, the same data as ``TensorDataset``s in ``train`` and ``test``, and
``task``, ``num_features``, ``num_classes``. ``load(name, **options)`` finds a loader by name.
"""

from .idx import DatasetNotFoundError, data_home, fashion_mnist, mnist, read_idx
from .split import Split, make_split, train_test_split
from .synthetic import blobs, circles, linear, moons, spirals, xor
from .tabular import breast_cancer, diabetes, digits, iris, wine

__all__ = [
    "DATASETS",
    "DatasetNotFoundError",
    "Split",
    "blobs",
    "breast_cancer",
    "circles",
    "data_home",
    "diabetes",
    "digits",
    "fashion_mnist",
    "iris",
    "linear",
    "load",
    "make_split",
    "mnist",
    "moons",
    "read_idx",
    "spirals",
    "train_test_split",
    "wine",
    "xor",
]

DATASETS = {loader.__name__: loader for loader in (
    digits, iris, breast_cancer, wine, diabetes, moons, circles, blobs, spirals, xor, linear,
    mnist, fashion_mnist)}


def load(name, **options):
    """The dataset called ``name`` (a key of ``DATASETS``), loaded with ``options``."""
    if name not in DATASETS:
        raise KeyError(f"datasets.load: unknown dataset {name!r}; choose one of "
                       f"{', '.join(sorted(DATASETS))}")
    return DATASETS[name](**options)
