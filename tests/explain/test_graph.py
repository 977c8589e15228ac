"""explain.graph: DOT text parsed back, layers collapsed, rendering when Graphviz exists."""

import importlib
import re
import shutil

import pytest

import gradiente as gr
from gradiente import explain

graph_module = importlib.import_module("gradiente.explain.graph")

NODE = re.compile(r'^\s*(\w+) \[shape=(\w+)(?:, style="?[\w,]+"?)?, label="((?:[^"\\]|\\.)*)"\];$')
EDGE = re.compile(r'^\s*(\w+) -> (\w+)(?: \[label="([^"]*)"\])?;$')


def parse_dot(text):
    """{node: label lines}, [(source, target, label)]; fails on any line it does not know."""
    lines = text.strip().splitlines()
    assert lines[0] == "digraph gradiente {" and lines[-1] == "}"
    nodes, edges, depth = {}, [], 0
    for line in lines[1:-1]:
        if (m := NODE.match(line)):
            assert m.group(1) not in nodes
            nodes[m.group(1)] = m.group(3).split("\\n")
        elif (m := EDGE.match(line)):
            edges.append(m.groups())
        elif line.strip().startswith("subgraph cluster_"):
            depth += 1
        elif line.strip() == "}":
            depth -= 1
        else:
            assert re.match(r'^\s*(rankdir=\w+|node \[.*\]|edge \[.*\]|label=".*"|style=\w+);$',
                            line), line
    assert depth == 0
    for source, target, _ in edges:
        assert source in nodes and target in nodes
    return nodes, edges


def lecture(x1, x2):
    return gr.log(x1) + x1 * x2 - gr.sin(x2)


def test_lecture_graph_parses_back():
    nodes, edges = parse_dot(explain.graph(lecture, 2.0, 5.0, order="depth").source)
    assert nodes["v_m1"] == ["v_{-1} = x1", "value 2", "grad 5.5"]
    assert nodes["v3"] == ["v_3 = sin v_0", "value -0.959", "grad -1"]
    assert nodes["v5"][0] == "v_5 = v_4 − v_3"
    assert sorted(edges) == sorted([
        ("v_m1", "v1", "0.5"), ("v_m1", "v2", "5"), ("v0", "v2", "2"), ("v0", "v3", "0.284"),
        ("v1", "v4", "1"), ("v2", "v4", "1"), ("v4", "v5", "1"), ("v3", "v5", "-1")])


def test_graph_of_a_trace_or_tensor_and_spanish_labels():
    x = gr.tensor(3.0, requires_grad=True)
    nodes, edges = parse_dot(str(explain.graph(x * x + 1, lang="es")))
    assert nodes["v1"] == ["v_1 = v_0 · v_0", "valor 9", "grad 1"]
    assert ("v0", "v1", "6") in edges
    t = explain.trace(lecture, 2.0, 5.0)
    assert explain.graph(t).source == t.graph().source
    with pytest.raises(TypeError, match="Trace takes no inputs"):
        explain.graph(t, 1.0)


def test_labels_are_escaped():
    source = graph_module._quote('a "b" \\ c\nd')
    assert source == '"a \\"b\\" \\\\ c\\nd"'


def test_layers_as_clusters_or_collapsed():
    nn = pytest.importorskip("gradiente.nn")
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    x = gr.randn(2, 3)

    def f(x):
        return model(x).sum()

    source = explain.graph(f, x, model=model).source
    parse_dot(source)
    assert source.count("subgraph cluster_") == 3
    nodes, edges = parse_dot(explain.graph(f, x, model=model, collapse=True).source)
    layers = [label[0] for node, label in nodes.items() if node.startswith("layer")]
    assert layers == ["0 (Linear)", "1 (ReLU)", "2 (Linear)"]
    assert ("layer0", "layer1", None) in edges and ("layer1", "layer2", None) in edges


def test_missing_graphviz_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(graph_module.shutil, "which", lambda name: None)
    g = explain.graph(lecture, 2.0, 5.0)
    with pytest.raises(explain.GraphvizNotFound, match="apt-get install graphviz"):
        g.render(tmp_path / "g.svg")
    assert g._repr_svg_() is None
    written = g.render(tmp_path / "g.dot")
    assert written.read_text() == g.source


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_svg_rendering(tmp_path):
    g = explain.graph(lecture, 2.0, 5.0)
    svg = g.svg()
    assert svg.lstrip().startswith("<?xml") or "<svg" in svg
    # in execution order ln(x1) + x1*x2 is computed before sin(x2): v_3 = v_1 + v_2
    assert "v_5 = v_3 − v_4" in g.source and "v_5 = v_3 − v_4" in svg
    assert g._repr_svg_() == svg
    assert g.render(tmp_path / "g.png").read_bytes()[:4] == b"\x89PNG"
