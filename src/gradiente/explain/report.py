"""``report(model, loss)``: per-layer health of a network, with plain-language warnings.

For every layer: the statistics of its output (the activations), the fraction of ReLU units
that output 0 for the whole batch (dead: no gradient reaches their weights), the gradient
norm of its parameters, and, when an optimizer is given, the update-to-weight ratio
‖ΔW‖ / ‖W‖ of one step (about 1e-3 is healthy). Values and gradients come from ``trace``.
"""

import numpy as np

from ..tensor import Tensor
from . import format as fmt
from .layers import record_layers
from .render import Section, html_sections, markdown, plain_text, rich_sections
from .trace import trace

__all__ = ["Report", "report"]

VANISHING, EXPLODING = 1e-3, 1e3      # gradient-norm ratio first layer / last layer
DEAD = 0.5                            # fraction of dead ReLU units worth a warning
UPDATE_LOW, UPDATE_HIGH = 1e-5, 1e-1  # update-to-weight ratio outside this range

WORDS = {
    "en": {
        "title": "Layer report", "layers": "Layers", "layer": "layer", "shape": "output",
        "mean": "act mean", "std": "act std", "dead": "dead ReLU", "grad": "‖grad‖",
        "weight": "‖W‖", "update": "‖ΔW‖/‖W‖", "notes": "Warnings", "loss": "loss",
        "vanishing": "vanishing gradients: the gradient norm of {first} is {ratio} times that "
                     "of {last}, so the first layers learn far more slowly. Try ReLU-like "
                     "activations, He/Xavier initialisation, normalisation or residual "
                     "connections.",
        "exploding": "exploding gradients: the gradient norm of {first} is {ratio} times that "
                     "of {last}. Lower the learning rate, clip gradients "
                     "(nn.utils.clip_grad_norm_) or normalise the inputs.",
        "dead_relu": "{fraction} of the units of {layer} output 0 for every example of the "
                     "batch (dead ReLUs): no gradient reaches their weights. Lower the learning "
                     "rate, try LeakyReLU, or check the initialisation.",
        "update_high": "the step changed {layer}'s weights by {ratio} of their size: updates "
                       "this large (above {bound}) make training unstable; lower the learning "
                       "rate.",
        "update_low": "the step changed {layer}'s weights by only {ratio} of their size (below "
                      "{bound}): the layer barely learns; raise the learning rate.",
        "not_finite": "the loss or a gradient is not finite (nan or inf): look for a division "
                      "by zero, log of 0, or a learning rate that is too large.",
        "no_layers": "no layer activations: record the forward pass under "
                     "explain.record_layers(model), or pass the loss as a function.",
    },
    "es": {
        "title": "Informe por capa", "layers": "Capas", "layer": "capa", "shape": "salida",
        "mean": "media act", "std": "desv act", "dead": "ReLU muertas", "grad": "‖grad‖",
        "weight": "‖W‖", "update": "‖ΔW‖/‖W‖", "notes": "Advertencias", "loss": "pérdida",
        "vanishing": "gradientes que se desvanecen: la norma del gradiente de {first} es "
                     "{ratio} veces la de {last}; las primeras capas aprenden mucho más "
                     "despacio. Pruebe activaciones tipo ReLU, inicialización He/Xavier, "
                     "normalización o conexiones residuales.",
        "exploding": "gradientes que explotan: la norma del gradiente de {first} es {ratio} "
                     "veces la de {last}. Baje la tasa de aprendizaje, recorte los gradientes "
                     "(nn.utils.clip_grad_norm_) o normalice las entradas.",
        "dead_relu": "el {fraction} de las unidades de {layer} da 0 para todos los ejemplos del "
                     "lote (ReLU muertas): ningún gradiente llega a sus pesos. Baje la tasa de "
                     "aprendizaje, pruebe LeakyReLU o revise la inicialización.",
        "update_high": "el paso cambió los pesos de {layer} en {ratio} de su tamaño: "
                       "actualizaciones tan grandes (más de {bound}) vuelven inestable el "
                       "entrenamiento; baje la tasa de aprendizaje.",
        "update_low": "el paso cambió los pesos de {layer} solo en {ratio} de su tamaño (menos "
                      "de {bound}): la capa casi no aprende; suba la tasa de aprendizaje.",
        "not_finite": "la pérdida o un gradiente no es finito (nan o inf): busque una división "
                      "por cero, un log de 0 o una tasa de aprendizaje demasiado grande.",
        "no_layers": "no hay activaciones por capa: registre la pasada hacia adelante con "
                     "explain.record_layers(model), o pase la pérdida como función.",
    },
}


class Report:
    """Per-layer statistics (``layers``: a list of dicts) and ``warnings`` (strings)."""

    def __init__(self, layers, loss, findings, lang="en", decimals=3):
        self.layers, self.loss, self.findings = layers, loss, findings  # findings: (key, args)
        self.lang, self.decimals = lang, decimals

    @property
    def warnings(self):
        return self.messages(self.lang)

    def messages(self, lang):
        """The warnings in plain language, in ``lang``."""
        words = _words(lang)
        return [words[key].format(**args) for key, args in self.findings]

    def _parts(self, lang):
        words = _words(lang)
        keys = ["layer", "shape", "mean", "std", "dead", "grad", "weight", "update"]
        rows = []
        for layer in self.layers:
            cells = [layer["layer"], "×".join(map(str, layer["shape"])) if layer["shape"]
                     else ""]
            for key in keys[2:]:
                value = layer[key]
                cells.append("" if value is None else
                             f"{value:.0%}" if key == "dead" else _short(value, self.decimals))
            rows.append(cells)
        heading = f"{words['title']} ({words['loss']} = {_short(self.loss, self.decimals)})"
        parts = [Section(words["layers"], [words[k] for k in keys], rows, [])]
        return heading, parts, self.messages(lang), words

    def to_markdown(self, lang=None):
        return markdown(*self._parts(lang or self.lang))

    def to_html(self, lang=None):
        return html_sections(*self._parts(lang or self.lang), "gradiente-report")

    def to_text(self, lang=None, width=110):
        try:
            import rich  # noqa: F401
        except ImportError:
            return self.to_markdown(lang)
        return plain_text(self.__rich__(lang), width)

    def to_dict(self):
        return {"loss": self.loss, "layers": self.layers, "warnings": list(self.warnings)}

    def __rich__(self, lang=None):
        return rich_sections(*self._parts(lang or self.lang))

    def __str__(self):
        return self.to_text()

    def __repr__(self):
        return f"<Report: {len(self.layers)} layers, {len(self.warnings)} warnings>"

    def _repr_html_(self):
        return self.to_html()


def _words(lang):
    fmt.labels(lang)  # the same check and message as the traces
    return WORDS[lang]


def _short(value, decimals):
    value = float(value)
    if value != 0 and np.isfinite(value) and not 10 ** -decimals <= abs(value) < 1e6:
        return f"{value:.{max(decimals - 1, 1)}e}"
    return fmt.number(value, decimals)


def report(model, loss, optimizer=None, *, lang="en", decimals=3):
    """The per-layer report of ``model`` for ``loss``.

    ``loss`` is the loss tensor (its graph intact, recorded under ``record_layers(model)`` for
    the activation columns) or a function of no arguments that computes it. With an
    ``optimizer`` the report takes one training step (zero_grad, backward, step) and measures
    the update-to-weight ratio of each layer; without one it changes nothing.
    """
    _words(lang)
    if callable(loss) and not isinstance(loss, Tensor):
        with record_layers(model):
            loss = loss()
    if not isinstance(loss, Tensor) or loss.numel() != 1:
        raise TypeError("report: loss must be a scalar loss tensor or a function returning one")
    t = trace(loss, model=model, wrt=False)
    layers = _layer_table(model, t)
    ratios = _step(model, loss, optimizer) if optimizer is not None else {}
    for layer in layers:
        layer["update"] = ratios.get(layer["module"])
    findings = _findings(layers, t, decimals)
    return Report(layers, float(t.value), findings, lang, decimals)


def _layer_table(model, t):
    """One dict per module with parameters or activations, in the order they ran."""
    modules = dict(model.named_modules())
    grads = {row.name: row for row in t.inputs}
    outputs = {}
    for row in t.operations:
        if row.layer is not None:
            outputs[row.layer] = row  # the layer's last operation: its output
    order = list(outputs)
    for name, module in modules.items():
        if name and any(True for _ in module.parameters(recurse=False)):
            label = f"{name} ({type(module).__name__})"
            if label not in outputs:
                order.append(label)
    layers = []
    for label in order:
        name = label.rsplit(" (", 1)[0]
        module = modules.get(name)
        params = [(f"{name}.{p}", w) for p, w in module.named_parameters(recurse=False)] \
            if module is not None else []
        squares = [float(np.sum(np.square(grads[p].adjoint))) for p, _ in params if p in grads]
        out = outputs.get(label)
        layers.append({
            "layer": label, "module": name,
            "shape": list(out.shape) if out is not None else None,
            "mean": float(out.value.mean()) if out is not None else None,
            "std": float(out.value.std()) if out is not None else None,
            "dead": _dead_fraction(out) if out is not None and out.op == "Relu" else None,
            "grad": float(np.sqrt(sum(squares))) if squares else None,
            "weight": float(np.sqrt(sum(float(np.sum(np.square(w.array))) for _, w in params)))
            if params else None,
        })
    return layers


def _dead_fraction(row):
    """The fraction of units that are 0 for every example (axis 0 is the batch)."""
    value = row.value
    if value.ndim == 0:
        return float(value == 0)
    dead = np.all(value == 0, axis=0) if value.ndim > 1 else value == 0
    return float(np.mean(dead))


def _step(model, loss, optimizer):
    """Take one optimizer step; {module name: ‖ΔW‖ / ‖W‖} of each module with parameters."""
    before = {name: p.array.copy() for name, p in model.named_parameters()}
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    ratios = {}
    for name, module in model.named_modules():
        params = list(module.named_parameters(prefix=name, recurse=False)) if name else []
        if not params:
            continue
        change = sum(float(np.sum(np.square(p.array - before[n]))) for n, p in params)
        size = sum(float(np.sum(np.square(before[n]))) for n, _ in params)
        ratios[name] = float(np.sqrt(change / size)) if size > 0 else float("inf")
    return ratios


def _findings(layers, t, decimals):
    """What deserves a warning, as (message key, format arguments)."""
    found = []
    finite = np.isfinite(t.value) and all(np.all(np.isfinite(r.adjoint)) for r in t.inputs)
    if not finite:
        found.append(("not_finite", {}))
    if all(layer["shape"] is None for layer in layers):
        found.append(("no_layers", {}))
    with_grads = [layer for layer in layers if layer["grad"] is not None]
    if len(with_grads) >= 2 and finite:
        first, last = with_grads[0], with_grads[-1]
        if last["grad"] > 0:
            ratio = first["grad"] / last["grad"]
            for key, hit in (("vanishing", ratio < VANISHING), ("exploding", ratio > EXPLODING)):
                if hit:
                    found.append((key, {"first": first["layer"], "last": last["layer"],
                                        "ratio": _short(ratio, decimals)}))
    for layer in layers:
        if layer["dead"] is not None and layer["dead"] > DEAD:
            found.append(("dead_relu", {"fraction": f"{layer['dead']:.0%}",
                                        "layer": layer["layer"]}))
        update = layer.get("update")
        for key, hit, bound in (("update_high", update is not None and update > UPDATE_HIGH,
                                 UPDATE_HIGH),
                                ("update_low", update is not None and update < UPDATE_LOW,
                                 UPDATE_LOW)):
            if hit:
                found.append((key, {"layer": layer["layer"], "bound": bound,
                                    "ratio": _short(update, decimals)}))
    return found
