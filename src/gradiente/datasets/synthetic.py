"""Seeded synthetic datasets for the lectures' toy problems: every call with the same seed
returns the same points. ``n_samples`` counts both parts; the split is stratified."""

import numpy as np

from .split import make_split

__all__ = ["blobs", "circles", "linear", "moons", "spirals", "xor"]


def _classes(name, x, y, test_size, standardize, seed, **fields):
    return make_split(name, x, y, "classification", test_size=test_size, seed=seed,
                      standardize=standardize, **fields)


def _sizes(n_samples, parts):
    """``n_samples`` shared as evenly as possible among ``parts`` groups."""
    if n_samples < 2 * parts:
        raise ValueError(f"datasets: n_samples={n_samples} is too small for {parts} groups")
    return [n_samples // parts + (1 if k < n_samples % parts else 0) for k in range(parts)]


def moons(n_samples=200, *, noise=0.1, test_size=0.2, standardize=False, seed=0):
    """Two interleaving half circles (class 0 the upper, class 1 the lower), Gaussian noise."""
    rng = np.random.default_rng(seed)
    n_upper, n_lower = _sizes(n_samples, 2)
    t_upper = np.linspace(0, np.pi, n_upper)
    t_lower = np.linspace(0, np.pi, n_lower)
    x = np.concatenate([np.stack([np.cos(t_upper), np.sin(t_upper)], axis=1),
                        np.stack([1 - np.cos(t_lower), 0.5 - np.sin(t_lower)], axis=1)])
    y = np.repeat([0, 1], [n_upper, n_lower])
    x += noise * rng.standard_normal(x.shape)
    return _classes("moons", x, y, test_size, standardize, seed)


def circles(n_samples=200, *, noise=0.05, factor=0.5, test_size=0.2, standardize=False, seed=0):
    """A circle of radius 1 (class 0) around one of radius ``factor`` (class 1)."""
    if not 0 < factor < 1:
        raise ValueError(f"datasets.circles: factor={factor} must be in (0, 1)")
    rng = np.random.default_rng(seed)
    n_outer, n_inner = _sizes(n_samples, 2)
    angles = np.concatenate([np.linspace(0, 2 * np.pi, n_outer, endpoint=False),
                             np.linspace(0, 2 * np.pi, n_inner, endpoint=False)])
    radii = np.repeat([1.0, factor], [n_outer, n_inner])
    x = radii[:, None] * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    x += noise * rng.standard_normal(x.shape)
    return _classes("circles", x, np.repeat([0, 1], [n_outer, n_inner]), test_size,
                    standardize, seed)


def blobs(n_samples=300, *, centers=3, n_features=2, cluster_std=1.0, center_box=(-10.0, 10.0),
          test_size=0.2, standardize=False, seed=0):
    """Isotropic Gaussian clusters, one class each, around centres drawn in ``center_box``.

    ``centers`` is a number of clusters or an array of centres (one row per class).
    """
    rng = np.random.default_rng(seed)
    if np.ndim(centers) == 0:
        centers = rng.uniform(*center_box, size=(int(centers), n_features))
    centers = np.asarray(centers, dtype=np.float64)
    counts = _sizes(n_samples, len(centers))
    y = np.repeat(np.arange(len(centers)), counts)
    x = centers[y] + cluster_std * rng.standard_normal((n_samples, centers.shape[1]))
    return _classes("blobs", x, y, test_size, standardize, seed, info={"centers": centers})


def spirals(n_samples=300, *, classes=3, noise=0.2, test_size=0.2, standardize=False, seed=0):
    """``classes`` interleaved spiral arms in the plane (not linearly separable)."""
    rng = np.random.default_rng(seed)
    counts = _sizes(n_samples, classes)
    y = np.repeat(np.arange(classes), counts)
    radius = np.concatenate([np.linspace(0.0, 1.0, n) for n in counts])
    angle = (np.concatenate([np.linspace(0.0, 4.0, n) for n in counts])
             + y * 2 * np.pi / classes + noise * rng.standard_normal(n_samples))
    x = radius[:, None] * np.stack([np.sin(angle), np.cos(angle)], axis=1)
    return _classes("spirals", x, y, test_size, standardize, seed)


def xor(n_samples=200, *, noise=0.1, test_size=0.2, standardize=False, seed=0):
    """Noisy copies of the four corners of the unit square labelled x1 XOR x2."""
    rng = np.random.default_rng(seed)
    corners = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    which = np.repeat(np.arange(4), _sizes(n_samples, 4))
    x = corners[which] + noise * rng.standard_normal((n_samples, 2))
    y = np.array([0, 1, 1, 0])[which]
    return _classes("xor", x, y, test_size, standardize, seed)


def linear(n_samples=200, *, n_features=1, noise=0.1, coef=None, bias=None, test_size=0.2,
           standardize=False, seed=0):
    """Noisy linear regression: y = x·coef + bias + noise·ε with x, ε standard normal.

    ``coef`` and ``bias`` default to draws from a standard normal; they are kept in
    ``split.info["coef"]`` and ``split.info["bias"]``.
    """
    rng = np.random.default_rng(seed)
    coef = rng.standard_normal(n_features) if coef is None else np.asarray(coef, dtype=float)
    bias = float(rng.standard_normal()) if bias is None else float(bias)
    if coef.shape != (n_features,):
        raise ValueError(f"datasets.linear: coef of shape {coef.shape} does not match "
                         f"n_features={n_features}")
    x = rng.standard_normal((n_samples, n_features))
    y = x @ coef + bias + noise * rng.standard_normal(n_samples)
    return make_split("linear", x, y, "regression", test_size=test_size, seed=seed,
                      standardize=standardize, info={"coef": coef, "bias": bias})
