"""explain.report: per-layer statistics and plain-language warnings."""

import numpy as np
import pytest

import gradiente as gr
from gradiente import explain

nn = pytest.importorskip("gradiente.nn")
optim = pytest.importorskip("gradiente.optim")


def mlp():
    return nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 2))


def test_statistics_match_the_model_and_the_engine():
    model, x, y = mlp(), gr.randn(16, 3), gr.randn(16, 2)
    r = explain.report(model, lambda: nn.functional.mse_loss(model(x), y))
    assert [layer["layer"] for layer in r.layers] == ["0 (Linear)", "1 (ReLU)", "2 (Linear)"]
    hidden = gr.relu(model[0](x)).array
    assert r.layers[1]["mean"] == pytest.approx(float(hidden.mean()), rel=1e-6)
    assert r.layers[1]["dead"] == float(np.mean(np.all(hidden == 0, axis=0)))
    assert r.layers[0]["dead"] is None and r.layers[1]["grad"] is None
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    for layer, module in ((r.layers[0], model[0]), (r.layers[2], model[2])):
        expected = np.sqrt(sum(float(np.sum(p.grad.array.astype(np.float64) ** 2))
                               for p in module.parameters()))
        assert layer["grad"] == pytest.approx(expected, rel=1e-5)
        assert layer["update"] is None
    assert r.loss == pytest.approx(loss.item(), rel=1e-6)
    assert "0 (Linear)" in str(r) and "<table" in r._repr_html_()


def test_update_ratio_of_one_sgd_step():
    model, x, y = mlp(), gr.randn(16, 3), gr.randn(16, 2)
    before = model[2].weight.array.copy(), model[2].bias.array.copy()
    r = explain.report(model, lambda: nn.functional.mse_loss(model(x), y),
                       optim.SGD(model.parameters(), lr=0.01))
    change = np.sqrt(np.sum((model[2].weight.array - before[0]) ** 2)
                     + np.sum((model[2].bias.array - before[1]) ** 2))
    size = np.sqrt(np.sum(before[0] ** 2) + np.sum(before[1] ** 2))
    assert change > 0  # the report took the step
    assert r.layers[2]["update"] == pytest.approx(change / size, rel=1e-5)
    # plain SGD: ΔW = lr · grad
    assert r.layers[2]["update"] == pytest.approx(0.01 * r.layers[2]["grad"] / size, rel=1e-4)


def test_dead_relu_warning_in_both_languages():
    model, x, y = mlp(), gr.randn(16, 3), gr.randn(16, 2)
    with gr.no_grad():
        model[0].bias.fill_(-100.0)
    r = explain.report(model, lambda: nn.functional.mse_loss(model(x), y), lang="es")
    assert r.layers[1]["dead"] == 1.0
    assert any("ReLU muertas" in w and "100%" in w for w in r.warnings)
    assert any("dead ReLUs" in w for w in r.messages("en"))


def test_vanishing_and_exploding_gradients():
    layers = []
    for _ in range(6):
        layers += [nn.Linear(4, 4), nn.Sigmoid()]
    model = nn.Sequential(*layers)
    x = gr.randn(8, 4)
    with gr.no_grad():
        for module in model:
            if isinstance(module, nn.Linear):
                module.weight.mul_(0.05)
    r = explain.report(model, lambda: model(x).sum())
    assert any(w.startswith("vanishing gradients") for w in r.warnings)
    # tiny first weights, large later ones: ∂/∂W1 carries W2 W3 W4, ∂/∂W4 carries W1 x
    model = nn.Sequential(*[nn.Linear(4, 4) for _ in range(4)])
    with gr.no_grad():
        model[0].weight.mul_(1e-4)
        model[0].bias.mul_(1e-4)
        for module in list(model)[1:]:
            module.weight.mul_(100.0)
    r = explain.report(model, lambda: model(x).sum())
    assert any(w.startswith("exploding gradients") for w in r.warnings)


def test_a_loss_tensor_without_layer_records():
    model, x = mlp(), gr.randn(4, 3)
    r = explain.report(model, model(x).sum())
    assert any("record_layers" in w for w in r.warnings)
    assert r.layers[0]["grad"] is not None and r.layers[0]["shape"] is None
    with pytest.raises(TypeError, match="scalar loss"):
        explain.report(model, model(x))
