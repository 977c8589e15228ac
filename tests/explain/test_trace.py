"""explain.trace: the worked examples of the lectures, row by row, against the engine."""

import math

import numpy as np
import pytest

import gradiente as gr
from gradiente import explain
from gradiente.autograd import forward_ad
from gradiente.explain import format as fmt


def lecture(x1, x2):
    return gr.log(x1) + x1 * x2 - gr.sin(x2)


@pytest.fixture
def lecture_trace():
    return explain.trace(lecture, 2.0, 5.0, order="depth")


def shown(array, decimals=3):
    return fmt.number(array, decimals)


# ----- lecture 000: f(x1, x2) = ln(x1) + x1·x2 − sin(x2) at (2, 5) -----------------------------

def test_lecture_rows_formulas_and_values(lecture_trace):
    t = lecture_trace
    assert [row.index for row in t] == [-1, 0, 1, 2, 3, 4, 5]
    assert [row.name for row in t.inputs] == ["x1", "x2"]
    formulas = {row.index: fmt.formula(row.op, row.operands) for row in t.operations}
    assert formulas == {1: "ln v_{-1}", 2: "v_{-1} · v_0", 3: "sin v_0", 4: "v_1 + v_2",
                        5: "v_4 − v_3"}
    assert [shown(t[i].value) for i in range(-1, 6)] == \
        ["2", "5", "0.693", "10", "-0.959", "10.693", "11.652"]
    assert t.output == 5
    assert t.value == pytest.approx(math.log(2) + 10 - math.sin(5), abs=1e-15)


def test_lecture_local_partials(lecture_trace):
    t = lecture_trace
    assert t[1].partials == {-1: pytest.approx(0.5)}
    assert t[2].partials == {-1: pytest.approx(5.0), 0: pytest.approx(2.0)}
    assert t[3].partials == {0: pytest.approx(math.cos(5.0))}
    assert t[4].partials == {1: 1.0, 2: 1.0}
    assert t[5].partials == {4: 1.0, 3: -1.0}


def test_lecture_adjoints_and_their_sums(lecture_trace):
    t = lecture_trace
    adjoints = [shown(t[i].adjoint) for i in (5, 4, 3, 2, 1, 0, -1)]
    assert adjoints == ["1", "1", "-1", "1", "1", "1.716", "5.5"]
    # s_{-1} = s_1 ∂v_1/∂v_{-1} + s_2 ∂v_2/∂v_{-1} = 1·(1/2) + 1·5
    consumers = [(k, float(p), float(c)) for k, p, c in t[-1].contributions]
    assert consumers == [(1, 0.5, 0.5), (2, 5.0, 5.0)]
    # s_0 = s_2 ∂v_2/∂v_0 + s_3 ∂v_3/∂v_0 = 1·2 + (−1)·cos 5
    (k2, _, c2), (k3, _, c3) = t[0].contributions
    assert (k2, k3) == (2, 3) and c2 == 2.0
    assert c3 == pytest.approx(-math.cos(5.0), abs=1e-15)
    assert float(t[0].adjoint) == pytest.approx(2 - math.cos(5.0), abs=1e-15)


def test_lecture_adjoints_equal_the_engine():
    x1 = gr.tensor(2.0, dtype=gr.float64, requires_grad=True)
    x2 = gr.tensor(5.0, dtype=gr.float64, requires_grad=True)
    y = lecture(x1, x2)
    t = explain.trace(y, x1, x2)  # before backward frees the graph
    y.backward()
    assert float(t[-1].adjoint) == x1.grad.item()
    assert float(t[0].adjoint) == x2.grad.item()
    assert t.gradient["x1"] == x1.grad.item()


def test_lecture_tangents_for_x1_dot_equal_one(lecture_trace):
    t = lecture_trace
    assert t.direction == "x1"
    tangents = [shown(t[i].tangent) for i in range(-1, 6)]
    assert tangents == ["1", "0", "0.5", "5", "0", "5.5", "5.5"]
    with forward_ad.dual_level():
        x1 = forward_ad.make_dual(gr.tensor(2.0, dtype=gr.float64),
                                  gr.tensor(1.0, dtype=gr.float64))
        y = lecture(x1, gr.tensor(5.0, dtype=gr.float64))
        expected = forward_ad.unpack_dual(y).tangent.item()
    assert float(t[5].tangent) == expected


def test_tangent_of_each_row_composes_the_local_partials(lecture_trace):
    for row in lecture_trace.operations:
        composed = sum(row.partials[j] * lecture_trace[j].tangent for j in row.parents)
        assert float(row.tangent) == pytest.approx(float(composed), abs=1e-14)


def test_wrt_second_input_and_custom_direction():
    t = explain.trace(lecture, 2.0, 5.0, wrt="x2")
    assert float(t[t.output].tangent) == pytest.approx(2 - math.cos(5.0))
    t = explain.trace(lecture, 2.0, 5.0, wrt={"x1": 1.0, "x2": 2.0})
    assert t.direction == "custom"
    assert float(t[t.output].tangent) == pytest.approx(5.5 + 2 * (2 - math.cos(5.0)))
    assert not explain.trace(lecture, 2.0, 5.0, wrt=False).has_tangents
    with pytest.raises(ValueError, match="'z'.*inputs are \\['x1', 'x2'\\]"):
        explain.trace(lecture, 2.0, 5.0, wrt="z")


def test_execution_order_follows_the_program():
    t = explain.trace(lecture, 2.0, 5.0)
    assert [row.op for row in t.operations] == ["Log", "Mul", "Add", "Sin", "Sub"]
    assert float(t[-1].adjoint) == 5.5


def test_trace_of_a_tensor_names_leaves_and_reports_a_freed_graph():
    a = gr.tensor(3.0, requires_grad=True)
    y = a * a + 1
    t = explain.trace(y)
    assert [row.name for row in t.inputs] == ["x1"]
    # x * x: one consumer reading the same input twice sends one merged term, 2x
    assert t[1].partials == {0: 6.0}
    assert [(k, float(c)) for k, _, c in t[0].contributions] == [(1, 6.0)]
    y.backward()
    with pytest.raises(RuntimeError, match="freed by backward"):
        explain.trace(y)


def test_errors_are_clear():
    with pytest.raises(RuntimeError, match="does not require grad"):
        explain.trace(gr.tensor(1.0))
    with pytest.raises(RuntimeError, match="pass gradient="):
        explain.trace(lambda x: x * 2, [1.0, 2.0])
    with pytest.raises(TypeError, match="tensor or a function"):
        explain.trace(3.0)
    with pytest.raises(ValueError, match="order"):
        explain.trace(lecture, 2.0, 5.0, order="random")


def test_vector_output_with_a_seed_and_an_unused_input():
    t = explain.trace(lambda x, unused: x * 3, [1.0, 2.0], 4.0, gradient=[1.0, -1.0])
    assert t[-1].adjoint.tolist() == [3.0, -3.0]
    assert t[0].adjoint == 0.0 and t[0].contributions == []


# ----- lecture 002: relu(wx + b), the shared weight, two paths -----------------------------------

def test_relu_of_wx_plus_b():
    t = explain.trace(lambda w, x, b: gr.relu(w * x + b), 2.0, 3.0, 1.0)
    w, _, b = t.inputs
    u, v, a = t.operations
    assert (float(u.value), float(v.value), float(a.value)) == (6.0, 7.0, 7.0)
    assert a.partials == {v.index: 1.0}                  # da/dv = 1
    assert v.partials == {u.index: 1.0, b.index: 1.0}    # ∂v/∂u = ∂v/∂b = 1
    assert u.partials[w.index] == 3.0                    # ∂u/∂w = x = 3
    assert (float(w.adjoint), float(b.adjoint)) == (3.0, 1.0)  # ∂a/∂w = 3·1·1, ∂a/∂b = 1


def test_relu_derivative_at_zero_is_zero():
    t = explain.trace(lambda w, x, b: gr.relu(w * x + b), 2.0, 3.0, -6.0)
    assert float(t.operations[-1].partials[t.operations[1].index]) == 0.0
    assert [float(r.adjoint) for r in t.inputs] == [0.0, 0.0, 0.0]


def test_shared_weight_sums_both_chain_rule_terms():
    x1, target = 1.5, 1.0

    def loss(w1):
        a1 = gr.sigmoid(w1 * x1)
        a2 = gr.tanh(w1 * x1)
        return (a1 + a2 - target) ** 2

    t = explain.trace(loss, 0.8)
    w = t.inputs[0]
    a1, a2 = 1 / (1 + math.exp(-1.2)), math.tanh(1.2)
    dl_do = 2 * (a1 + a2 - target)
    path1 = dl_do * a1 * (1 - a1) * x1
    path2 = dl_do * (1 - a2 ** 2) * x1
    terms = [float(c) for _, _, c in w.contributions]
    assert len(terms) == 2
    assert terms == pytest.approx([path1, path2], rel=1e-14)
    w_leaf = gr.tensor(0.8, dtype=gr.float64, requires_grad=True)
    loss(w_leaf).backward()
    assert float(w.adjoint) == pytest.approx(w_leaf.grad.item(), rel=1e-15)


def test_two_paths_through_g_and_h():
    # f(g, h) = g²h + h, g = 3x, h = x²: df/dx = 36x³ + 2x
    t = explain.trace(lambda x: (3 * x) ** 2 * x ** 2 + x ** 2, 1.5)
    x = t.inputs[0]
    assert float(x.adjoint) == pytest.approx(36 * 1.5 ** 3 + 2 * 1.5, rel=1e-14)
    assert len(x.contributions) == 3  # read by g = 3x and by both x² rows


# ----- lecture 003: logistic regression's log-likelihood as a graph a → b → c → d ---------------

def test_logistic_regression_graph():
    x, y = 2.0, 1.0

    def d(w0, w1):
        a = -w0 - w1 * x
        b = gr.exp(a)
        c = 1 / (1 + b)
        return y * gr.log(c)

    w0, w1 = 0.5, -0.3
    t = explain.trace(d, w0, w1)
    ops = [row.op for row in t.operations]
    assert ops == ["Neg", "Mul", "Sub", "Exp", "Add", "Div", "Log", "Mul"]
    a = -w0 - w1 * x
    b = math.exp(a)
    c = 1 / (1 + b)
    exp_row, add_row, div_row = t.operations[3], t.operations[4], t.operations[5]
    assert float(exp_row.partials[exp_row.parents[0]]) == pytest.approx(math.exp(a))  # db/da
    # dc/db = -(b + 1)^-2, through 1 + b then 1 / (1 + b)
    dc_db = div_row.partials[add_row.index] * add_row.partials[exp_row.index]
    assert float(dc_db) == pytest.approx(-(b + 1) ** -2, rel=1e-14)
    closed_form = y / c * (b + 1) ** -2 * math.exp(a)   # ∂d/∂w0 from the notes
    assert float(t.inputs[0].adjoint) == pytest.approx(closed_form, rel=1e-14)


# ----- lecture 001: the toy chain and its eight partial derivatives ------------------------------

def test_toy_chain_partials_equal_the_closed_form():
    params = {"beta0": 0.1, "omega0": -0.4, "beta1": 0.3, "omega1": 0.5, "beta2": -0.2,
              "omega2": 0.7, "beta3": 0.15, "omega3": 1.3}
    x, y = 2.3, 2.0

    def loss(beta0, omega0, beta1, omega1, beta2, omega2, beta3, omega3):
        f0 = beta0 + omega0 * x
        h1 = gr.sin(f0)
        f1 = beta1 + omega1 * h1
        h2 = gr.exp(f1)
        f2 = beta2 + omega2 * h2
        h3 = gr.cos(f2)
        f3 = beta3 + omega3 * h3
        return (f3 - y) ** 2

    t = explain.trace(loss, *params.values())
    assert [row.name for row in t.inputs] == list(params)
    p = params
    f0 = p["beta0"] + p["omega0"] * x
    f1 = p["beta1"] + p["omega1"] * math.sin(f0)
    f2 = p["beta2"] + p["omega2"] * math.exp(f1)
    f3 = p["beta3"] + p["omega3"] * math.cos(f2)
    closed = (-2 * (f3 - y) * p["omega1"] * p["omega2"] * p["omega3"] * x * math.cos(f0)
              * math.exp(f1) * math.sin(f2))
    assert t.gradient["omega0"] == pytest.approx(closed, rel=1e-13)
    cos_row = next(r for r in t.operations if r.op == "Cos")   # h3
    assert float(cos_row.adjoint) == pytest.approx(p["omega3"] * 2 * (f3 - y), rel=1e-14)
    leaves = [gr.tensor(v, dtype=gr.float64, requires_grad=True) for v in params.values()]
    loss(*leaves).backward()
    for row, leaf in zip(t.inputs, leaves):
        assert float(row.adjoint) == pytest.approx(leaf.grad.item(), rel=1e-14, abs=1e-300)


# ----- tensors and layers -------------------------------------------------------------------------

def test_tensor_rows_match_the_engine(rng):
    W = rng.standard_normal((3, 4))
    b = rng.standard_normal(4)
    X = rng.standard_normal((5, 3))

    def f(W, b):
        return gr.relu(gr.tensor(X) @ W + b).sum()

    t = explain.trace(f, W, b)
    leaves = [gr.tensor(W, requires_grad=True), gr.tensor(b, requires_grad=True)]
    f(*leaves).backward()
    np.testing.assert_allclose(t.gradient["W"], leaves[0].grad.array, rtol=1e-14)
    np.testing.assert_allclose(t.gradient["b"], leaves[1].grad.array, rtol=1e-14)
    matmul = t.operations[0]
    assert matmul.partials is None and matmul.shape == (5, 4)
    assert "5×4: ‖·‖=" in fmt.summary(matmul.value)
    # forward mode along W: the tangent of the sum is ⟨∇_W f, 1⟩
    assert float(t[t.output].tangent) == pytest.approx(leaves[0].grad.array.sum(), rel=1e-12)


def test_mlp_rows_grouped_by_layer():
    nn = pytest.importorskip("gradiente.nn")
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    x, target = gr.randn(6, 3), gr.randn(6, 2)
    t = explain.trace(lambda x: nn.functional.mse_loss(model(x), target), x, model=model)
    layers = [layer for layer, _ in t.layers() if layer]
    assert "0 (Linear)" in layers and "1 (ReLU)" in layers and "2 (Linear)" in layers
    names = [row.name for row in t.inputs]
    assert names == ["x", "0.weight", "0.bias", "2.weight", "2.bias"]
    assert t.inputs[0].layer is None and t.inputs[1].layer == "0 (Linear)"
    loss = nn.functional.mse_loss(model(x), target)
    loss.backward()
    for row, (_, p) in zip(t.inputs[1:], model.named_parameters()):
        np.testing.assert_allclose(row.adjoint, p.grad.array.astype(np.float64), rtol=1e-5,
                                   atol=1e-7)


def test_record_layers_labels_a_graph_for_trace_of_a_tensor():
    nn = pytest.importorskip("gradiente.nn")
    model = nn.Sequential(nn.Linear(2, 2), nn.Tanh())
    x = gr.randn(1, 2)
    with explain.record_layers(model):
        y = model(x).sum()
    t = explain.trace(y, model=model)
    assert [row.layer for row in t.operations] == ["0 (Linear)", "1 (Tanh)", None]
    assert [row.name for row in t.inputs] == ["0.weight", "0.bias"]
