"""Train/test splits and standardisation: the ``Split`` every dataset loader returns."""

from dataclasses import dataclass, field

import numpy as np

__all__ = ["Split", "make_split", "train_test_split"]


@dataclass
class Split:
    """A dataset divided into a training and a test part.

    ``x_train``, ``y_train``, ``x_test``, ``y_test`` are NumPy arrays (features as float64,
    class labels as int64, regression targets as float64); ``train`` and ``test`` are the same
    data as ``TensorDataset``s of the default float dtype. Unpacking gives the two datasets:

    >>> from gradiente import datasets
    >>> train, test = datasets.xor(n_samples=40)
    >>> len(train), len(test)
    (32, 8)

    ``mean`` and ``std`` are the training features' statistics when the split was
    standardised (``None`` otherwise); ``transform`` applies them to new raw features.
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    task: str  # "classification" or "regression"
    feature_names: list = None
    class_names: list = None
    mean: np.ndarray = None
    std: np.ndarray = None
    info: dict = field(default_factory=dict)

    @property
    def num_features(self):
        return int(np.prod(self.x_train.shape[1:]))

    @property
    def num_classes(self):
        """The number of classes (0 for a regression task)."""
        if self.task != "classification":
            return 0
        if self.class_names is not None:
            return len(self.class_names)
        return int(max(self.y_train.max(), self.y_test.max())) + 1

    @property
    def train(self):
        return _tensor_dataset(self.x_train, self.y_train)

    @property
    def test(self):
        return _tensor_dataset(self.x_test, self.y_test)

    def __iter__(self):
        return iter((self.train, self.test))

    def transform(self, x):
        """Raw features as the model saw them: standardised with the training statistics."""
        x = np.asarray(x, dtype=np.float64)
        if self.mean is None:
            return x
        return (x - self.mean) / self.std

    def __repr__(self):
        return (f"Split({self.name!r}, task={self.task!r}, train={self.x_train.shape}, "
                f"test={self.x_test.shape}, standardized={self.mean is not None})")


def _tensor_dataset(x, y):
    import gradiente as gr

    from ..utils.data import TensorDataset

    target_dtype = gr.int64 if y.dtype.kind in "iu" else gr.get_default_dtype()
    features = gr.tensor(x, dtype=gr.get_default_dtype())
    return TensorDataset(features, gr.tensor(y, dtype=target_dtype))


def train_test_split(n_or_labels, test_size=0.2, seed=0, stratify=True):
    """Indices ``(train, test)`` of a seeded random split.

    ``n_or_labels`` is the number of examples or their class labels. With labels and
    ``stratify=True`` each class is split on its own, so both parts keep the class
    proportions (each class puts ``round(test_size * count)`` examples in the test part).
    ``test_size`` is a fraction in (0, 1) or a number of examples. Both index arrays come
    in one random order, so a class-sorted source is shuffled.
    """
    labels = None if np.ndim(n_or_labels) == 0 else np.asarray(n_or_labels)
    n = int(n_or_labels) if labels is None else len(labels)
    fraction = _test_fraction(test_size, n)
    rng = np.random.default_rng(seed)
    if labels is None or not stratify:
        order = rng.permutation(n)
        n_test = round(fraction * n)
        test = order[:n_test]
    else:
        test = []
        for value in np.unique(labels):
            members = rng.permutation(np.flatnonzero(labels == value))
            test.append(members[:round(fraction * len(members))])
        test = np.concatenate(test)
    is_test = np.zeros(n, dtype=bool)
    is_test[test] = True
    if is_test.all() or not is_test.any():
        raise ValueError(f"train_test_split: test_size={test_size} leaves an empty part "
                         f"of {n} examples")
    order = rng.permutation(n)
    return order[~is_test[order]], order[is_test[order]]


def _test_fraction(test_size, n):
    if isinstance(test_size, (int, np.integer)) and not isinstance(test_size, bool):
        if not 0 < test_size < n:
            raise ValueError(f"train_test_split: test_size={test_size} must be between 1 and "
                             f"{n - 1} examples")
        return test_size / n
    if not 0.0 < float(test_size) < 1.0:
        raise ValueError(f"train_test_split: test_size={test_size} must be a fraction in (0, 1)")
    return float(test_size)


def make_split(name, x, y, task, *, test_size=0.2, seed=0, standardize=False, **fields):
    """Split ``(x, y)`` (stratified for classification) and optionally standardise it.

    Standardisation uses the training part's mean and standard deviation for both parts;
    a constant feature (standard deviation 0) is only centred.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64 if task == "classification" else np.float64)
    train, test = train_test_split(y if task == "classification" else len(y), test_size, seed)
    return finish_split(name, x[train], y[train], x[test], y[test], task,
                        standardize=standardize, **fields)


def finish_split(name, x_train, y_train, x_test, y_test, task, *, standardize=False, **fields):
    """A ``Split`` from parts already divided, standardised with the training statistics."""
    mean = std = None
    if standardize:
        mean = x_train.mean(axis=0)
        std = x_train.std(axis=0)
        std[std == 0] = 1.0
        x_train = (x_train - mean) / std
        x_test = (x_test - mean) / std
    return Split(name, x_train, y_train, x_test, y_test, task, mean=mean, std=std, **fields)
