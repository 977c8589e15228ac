"""Metrics of a trained model on a dataset: loss, accuracy, confusion matrix, R²."""

import numpy as np

import gradiente as gr
from gradiente import nn

__all__ = ["confusion_matrix", "evaluate", "format_table", "loss_function"]


def loss_function(task):
    """Cross-entropy on the logits for classes, mean squared error for a real target."""
    return nn.functional.cross_entropy if task == "classification" else nn.functional.mse_loss


def targets(y, task):
    """Targets as the loss expects them: int64 labels, or a column of reals."""
    if task == "classification":
        return gr.as_tensor(np.asarray(y, dtype=np.int64))
    return gr.as_tensor(np.asarray(y, dtype=gr.get_default_dtype().np)).reshape(-1, 1)


def confusion_matrix(y_true, y_pred, num_classes):
    """C[i, j] = number of examples of class i predicted as class j."""
    counts = np.bincount(np.asarray(y_true) * num_classes + np.asarray(y_pred),
                         minlength=num_classes * num_classes)
    return counts.reshape(num_classes, num_classes)


def evaluate(model, x, y, task, num_classes=0, batch_size=1024):
    """``{"loss", "accuracy", "confusion"}`` (classes) or ``{"loss", "r2"}`` of ``model`` on
    features ``x`` and targets ``y`` (NumPy arrays), in eval mode and without a graph."""
    was_training = model.training
    model.eval()
    outputs = []
    with gr.no_grad():
        for start in range(0, len(x), batch_size):
            batch = gr.as_tensor(np.asarray(x[start:start + batch_size],
                                            dtype=gr.get_default_dtype().np))
            outputs.append(model(batch))
        output = gr.cat(outputs)
        loss = float(loss_function(task)(output, targets(y, task)).item())
    model.train(was_training)
    if task != "classification":
        predicted = output.numpy().reshape(len(y), -1)[:, 0]
        residual = np.sum((y - predicted) ** 2)
        return {"loss": loss, "r2": float(1 - residual / np.sum((y - np.mean(y)) ** 2))}
    predicted = output.argmax(dim=1).numpy()
    return {"loss": loss, "accuracy": float(np.mean(predicted == y)),
            "confusion": confusion_matrix(y, predicted, num_classes).tolist()}


def format_table(results, class_names=None):
    """The final metrics as plain text: one row per split, then the test confusion matrix."""
    score = "accuracy" if "accuracy" in next(iter(results.values())) else "r2"
    lines = [f"{'split':<8}{'loss':>10}{score:>10}"]
    for split, values in results.items():
        lines.append(f"{split:<8}{values['loss']:>10.4f}{values[score]:>10.4f}")
    confusion = results.get("test", {}).get("confusion")
    if confusion is not None:
        names = [str(c) for c in class_names] if class_names else [str(i) for i in
                                                                   range(len(confusion))]
        width = max(5, *(len(n) + 1 for n in names), *(len(str(v)) + 1 for row in confusion
                                                        for v in row))
        lines.append("")
        lines.append("confusion matrix (test; rows: true class, columns: predicted)")
        lines.append(" " * width + "".join(f"{n[:width - 1]:>{width}}" for n in names))
        for name, row in zip(names, confusion):
            lines.append(f"{name[:width - 1]:>{width}}" + "".join(f"{v:>{width}}" for v in row))
    return "\n".join(lines)
