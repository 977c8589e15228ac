"""The loss and accuracy curves of a run, as a PNG (matplotlib, Agg backend)."""

__all__ = ["plot_curves"]


def plot_curves(history, path, title=None):
    """Write ``path``: train/test loss, and accuracy (or R²), against the epoch."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    epochs = [entry["epoch"] for entry in history]
    score = "accuracy" if "train_accuracy" in history[0] else "r2"
    figure = Figure(figsize=(9, 3.6), layout="constrained")
    loss_axes, score_axes = figure.subplots(1, 2)
    for split in ("train", "test"):
        loss_axes.plot(epochs, [e[f"{split}_loss"] for e in history], marker=".", label=split)
        score_axes.plot(epochs, [e[f"{split}_{score}"] for e in history], marker=".",
                        label=split)
    loss_axes.set(xlabel="epoch", ylabel="loss", title="loss")
    score_axes.set(xlabel="epoch", ylabel=score, title=score)
    for axes in (loss_axes, score_axes):
        axes.grid(alpha=0.3)
        axes.legend()
    if title:
        figure.suptitle(title)
    figure.savefig(path, dpi=100)
    return path
