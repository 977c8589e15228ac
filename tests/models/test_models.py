import numpy as np
import pytest

import gradiente as gr
from gradiente import datasets
from gradiente.models import (
    MLP,
    MODELS,
    Adaline,
    LinearRegression,
    LogisticRegression,
    Perceptron,
    batch_indices,
    build_model,
    register_model,
)

MODES = ["online", "batch", "minibatch"]


@pytest.fixture(scope="module")
def separable():
    return datasets.blobs(n_samples=100, centers=[[-2.0, -2.0], [2.0, 2.0]], cluster_std=0.6)


def test_batch_indices_for_each_mode():
    rng = np.random.default_rng(0)
    assert [b.tolist() for b in batch_indices(5, "online", order="sequential")] == [[0], [1],
                                                                                    [2], [3], [4]]
    assert [len(b) for b in batch_indices(5, "batch", rng=rng)] == [5]
    shuffled = batch_indices(10, "minibatch", batch_size=4, order="random", rng=rng)
    assert [len(b) for b in shuffled] == [4, 4, 2]
    assert sorted(np.concatenate(shuffled).tolist()) == list(range(10))
    with pytest.raises(ValueError, match="unknown mode 'stochastic'"):
        batch_indices(5, "stochastic")
    with pytest.raises(ValueError, match="unknown order"):
        batch_indices(5, order="shuffled")


def test_perceptron_matches_the_lectures_pseudo_code(separable):
    x, y = separable.x_train, separable.y_train
    w, b = np.zeros(2), 0.0
    for _ in range(3):  # lecture 02: for t = 1..T, for i = 1..n
        for xi, yi in zip(x, y):
            err = yi - float(xi @ w + b > 0)
            w, b = w + err * xi, b + err
    model = Perceptron().fit(x, y, epochs=3)
    np.testing.assert_array_equal(model.weight.detach().numpy(), w)
    assert model.bias.item() == b


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("order", ["sequential", "random"])
def test_perceptron_converges_on_separable_data_in_every_mode(separable, mode, order):
    model = Perceptron().fit(separable.x_train, separable.y_train, epochs=20, mode=mode,
                             order=order, batch_size=8)
    assert model.history[-1] == 0.0 and model.history[0] >= model.history[-1]
    assert model.score(separable.x_test, separable.y_test) == 1.0
    assert model.predict(separable.x_test).dtype == gr.int64


def test_perceptron_refuses_gradients_and_bad_labels(separable):
    with pytest.raises(ValueError, match="update='rule'"):
        Perceptron().fit(separable.x_train, separable.y_train, update="autograd")
    with pytest.raises(ValueError, match="targets must be 0 or 1"):
        Perceptron().fit(separable.x_train, separable.y_train * 2 - 1)


@pytest.mark.parametrize("mode", MODES)
def test_adaline_autograd_equals_the_widrow_hoff_rule(separable, mode):
    epochs = {"online": 10, "batch": 200, "minibatch": 30}[mode]
    fits = [Adaline().fit(separable.x_train, separable.y_train, epochs=epochs, lr=0.05,
                          mode=mode, batch_size=8, update=update)
            for update in ("autograd", "rule")]
    np.testing.assert_allclose(fits[0].weight.detach().numpy(), fits[1].weight.detach().numpy(),
                               rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(fits[0].history, fits[1].history, rtol=1e-12)
    initial_loss = 0.5 * np.mean(separable.y_train ** 2)  # w = 0, b = 0
    assert fits[0].history[-1] < 0.1 * initial_loss
    assert fits[0].score(separable.x_test, separable.y_test) == 1.0


def test_linear_regression_normal_equations_match_scikit_learn():
    sklearn = pytest.importorskip("sklearn.linear_model")
    split = datasets.diabetes()
    ours = LinearRegression().fit(split.x_train, split.y_train)
    theirs = sklearn.LinearRegression().fit(split.x_train, split.y_train)
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.coef_, rtol=0, atol=1e-8)
    assert abs(ours.bias.item() - theirs.intercept_) < 1e-8
    assert ours.score(split.x_test, split.y_test) == pytest.approx(
        theirs.score(split.x_test, split.y_test), abs=1e-10)


@pytest.mark.parametrize("mode", MODES)
def test_linear_regression_gradient_descent_reaches_the_normal_equations(mode):
    split = datasets.linear(n_samples=200, n_features=3, noise=0.1, seed=1)
    exact = LinearRegression().fit(split.x_train, split.y_train)
    # (epochs, learning rate, tolerance): a fixed-rate stochastic step jitters around the
    # optimum by about lr·noise; full-batch descent converges to it
    epochs, lr, tolerance = {"online": (10, 0.02, 3e-2), "batch": (300, 0.3, 1e-6),
                             "minibatch": (40, 0.05, 1e-2)}[mode]
    fits = [LinearRegression(method="gd").fit(split.x_train, split.y_train, epochs=epochs, lr=lr,
                                              mode=mode, batch_size=16, update=update)
            for update in ("autograd", "rule")]
    np.testing.assert_allclose(fits[0].weight.detach().numpy(), fits[1].weight.detach().numpy(),
                               rtol=1e-10)
    np.testing.assert_allclose(fits[0].weight.detach().numpy(), exact.weight.detach().numpy(),
                               atol=tolerance)
    assert fits[0].score(split.x_test, split.y_test) > 0.95


def test_logistic_regression_agrees_with_scikit_learn():
    sklearn = pytest.importorskip("sklearn.linear_model")
    split = datasets.breast_cancer(standardize=True)
    ours = LogisticRegression().fit(split.x_train, split.y_train, epochs=60, lr=0.1,
                                    mode="minibatch", batch_size=32)
    rule = LogisticRegression().fit(split.x_train, split.y_train, epochs=60, lr=0.1,
                                    mode="minibatch", batch_size=32, update="rule")
    np.testing.assert_allclose(ours.weight.detach().numpy(), rule.weight.detach().numpy(),
                               rtol=1e-9, atol=1e-12)
    theirs = sklearn.LogisticRegression().fit(split.x_train, split.y_train)
    assert abs(ours.score(split.x_test, split.y_test)
               - theirs.score(split.x_test, split.y_test)) <= 0.02
    agreement = np.mean(ours.predict(split.x_test).numpy() == theirs.predict(split.x_test))
    assert agreement >= 0.95
    proba = ours.predict_proba(split.x_test).numpy()
    assert ((proba > 0) & (proba < 1)).all()
    np.testing.assert_array_equal(proba > 0.5, ours.predict(split.x_test).numpy() == 1)
    assert ours.history[-1] < ours.history[0]


def test_a_diverging_fit_says_to_lower_the_learning_rate():
    split = datasets.linear(n_samples=50)
    model = LinearRegression(method="gd")
    with pytest.raises(FloatingPointError, match="lower learning rate than 1e"), \
            np.errstate(all="ignore"):
        model.fit(split.x_train, split.y_train, lr=1e200, mode="batch", epochs=5)


def test_mlp_layers_and_he_initialisation():
    model = MLP([10, 40, 40, 5])
    linears = [m for m in model.layers if isinstance(m, gr.nn.Linear)]
    assert [tuple(m.weight.shape) for m in linears] == [(40, 10), (40, 40), (5, 40)]
    assert sum(isinstance(m, gr.nn.ReLU) for m in model.layers) == 2
    for m in linears:  # kaiming_uniform_: U(-b, b) with b = sqrt(6 / fan_in)
        bound = np.sqrt(6 / m.weight.shape[1])
        assert np.abs(m.weight.detach().numpy()).max() <= bound
        assert np.abs(m.weight.detach().numpy()).max() > 0.8 * bound
        assert not m.bias.detach().numpy().any()
    assert isinstance(MLP([2, 3, 1], "tanh").layers[1], gr.nn.Tanh)
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        MLP([2, 3], "swish")


def test_mlp_learns_xor_which_a_perceptron_cannot():
    split = datasets.xor(n_samples=200, noise=0.1)
    perceptron = Perceptron().fit(split.x_train, split.y_train, epochs=20)
    assert perceptron.score(split.x_train, split.y_train) < 0.8
    gr.manual_seed(0)
    mlp = MLP([2, 16, 2], "tanh")
    mlp.fit(split.x_train, split.y_train, epochs=60, lr=0.5, mode="minibatch", batch_size=16)
    assert mlp.score(split.x_test, split.y_test) == 1.0
    assert mlp.history[-1] < 0.1 * mlp.history[0]


def test_mlp_regression_and_optimizer_option():
    split = datasets.linear(n_samples=200, n_features=2, noise=0.05)
    gr.manual_seed(0)
    mlp = MLP([2, 1], task="regression").double()
    optimizer = gr.optim.SGD(mlp.parameters(), lr=0.1, momentum=0.9)
    mlp.fit(split.x_train, split.y_train, epochs=30, batch_size=16, optimizer=optimizer)
    exact = LinearRegression().fit(split.x_train, split.y_train)
    assert mlp.score(split.x_test, split.y_test) > exact.score(split.x_test, split.y_test) - 0.01
    assert mlp.predict(split.x_test).shape == (len(split.x_test),)


def test_model_registry_is_extensible():
    @register_model("tiny-test-model")
    def build(input_shape, num_outputs, config):
        return MLP([input_shape[0], num_outputs])

    try:
        model = build_model("tiny-test-model", (4,), 3, {})
        assert model.sizes == [4, 3]
        assert build_model("mlp", (4,), 3, {"hidden": [5]}).sizes == [4, 5, 3]
    finally:
        del MODELS["tiny-test-model"]
    with pytest.raises(KeyError, match="unknown model 'cnn2'"):
        build_model("cnn2", (4,), 3, {})
