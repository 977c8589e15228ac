import numpy as np
import pytest

from gradiente import datasets

SYNTHETIC = ["moons", "circles", "blobs", "spirals", "xor", "linear"]
TABULAR = {"digits": (1797, 64, 10), "iris": (150, 4, 3), "breast_cancer": (569, 30, 2),
           "wine": (178, 13, 3), "diabetes": (442, 10, 0)}


@pytest.mark.parametrize("name", SYNTHETIC)
def test_synthetic_sets_are_seeded(name):
    a, b, c = datasets.load(name, seed=3), datasets.load(name, seed=3), datasets.load(name, seed=4)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.x_train, c.x_train)
    assert len(a.x_train) + len(a.x_test) == {"blobs": 300, "spirals": 300}.get(name, 200)
    assert a.x_train.dtype == np.float64
    assert a.y_train.dtype == (np.float64 if name == "linear" else np.int64)


@pytest.mark.parametrize("name", sorted(TABULAR))
def test_tabular_sets_have_their_published_sizes(name):
    n, features, classes = TABULAR[name]
    split = datasets.load(name)
    assert len(split.x_train) + len(split.x_test) == n
    assert split.num_features == features
    assert split.num_classes == classes
    assert split.task == ("regression" if name == "diabetes" else "classification")


def test_stratified_split_keeps_class_proportions_and_partitions():
    labels = np.repeat([0, 1, 2], [50, 30, 20])
    train, test = datasets.train_test_split(labels, test_size=0.2, seed=1)
    assert sorted(np.concatenate([train, test]).tolist()) == list(range(100))
    np.testing.assert_array_equal(np.bincount(labels[test]), [10, 6, 4])
    assert not np.array_equal(train, np.sort(train))  # shuffled, not class-sorted


def test_split_by_count_and_bad_sizes():
    train, test = datasets.train_test_split(10, test_size=3, seed=0)
    assert len(test) == 3 and len(train) == 7
    with pytest.raises(ValueError, match="test_size=1.5"):
        datasets.train_test_split(10, test_size=1.5)
    with pytest.raises(ValueError, match="empty part"):
        datasets.train_test_split(3, test_size=0.01)


def test_standardisation_uses_training_statistics():
    raw = datasets.wine(seed=2)
    scaled = datasets.wine(seed=2, standardize=True)
    np.testing.assert_allclose(scaled.x_train.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(scaled.x_train.std(axis=0), 1, atol=1e-12)
    np.testing.assert_allclose(scaled.x_test, (raw.x_test - raw.x_train.mean(0))
                               / raw.x_train.std(0), atol=1e-12)
    np.testing.assert_allclose(scaled.transform(raw.x_test), scaled.x_test, atol=1e-12)
    assert raw.mean is None and np.array_equal(raw.transform(raw.x_test), raw.x_test)


def test_constant_features_are_only_centred():
    split = datasets.digits(standardize=True)
    constant = split.std == 1.0
    assert constant.any() and np.isfinite(split.x_train).all()


def test_synthetic_geometry():
    lin = datasets.linear(n_samples=500, n_features=3, coef=[1.0, -2.0, 0.5], bias=4.0,
                          noise=0.0)
    np.testing.assert_allclose(lin.x_train @ [1.0, -2.0, 0.5] + 4.0, lin.y_train, atol=1e-12)
    circles = datasets.circles(noise=0.0, factor=0.3)
    radii = np.linalg.norm(circles.x_train, axis=1)
    np.testing.assert_allclose(radii, np.where(circles.y_train == 0, 1.0, 0.3), atol=1e-12)
    xor = datasets.xor(noise=0.0)
    np.testing.assert_array_equal(xor.y_train, np.logical_xor(*xor.x_train.T.astype(bool)))


def test_unknown_dataset_names_the_choices():
    with pytest.raises(KeyError, match="unknown dataset 'nope'.*digits"):
        datasets.load("nope")


def test_tensor_datasets_and_unpacking():
    pytest.importorskip("gradiente.utils.data")
    import gradiente as gr
    split = datasets.iris()
    train, test = split
    x, y = train[0]
    assert len(train) == 120 and len(test) == 30
    assert x.dtype == gr.get_default_dtype() and y.dtype == gr.int64
    np.testing.assert_allclose(x.numpy(), split.x_train[0], rtol=1e-6)
