"""The CNN of ``--model cnn``: shapes, image inference from flat inputs, learning on digits."""

import pytest

import gradiente as gr
from gradiente.models import CNN, build_model
from gradiente.training import run


def test_flat_square_inputs_are_read_as_one_channel_images():
    model = build_model("cnn", (64,), 10, {"hidden": [4, 8]})
    assert tuple(model(gr.zeros(3, 64)).shape) == (3, 10)
    assert tuple(CNN((3, 6, 6), 5, channels=(4, 8))(gr.zeros(2, 3, 6, 6)).shape) == (2, 5)
    with pytest.raises(ValueError, match="are not images"):
        build_model("cnn", (10,), 3, {})


def test_cnn_learns_digits_from_the_training_command(tmp_path):
    metrics = run({"dataset": "digits", "model": "cnn", "hidden": [8, 16], "epochs": 3,
                   "batch_size": 32, "optimizer": "adam", "lr": 3e-3, "scheduler": "none",
                   "seed": 0, "out": str(tmp_path / "cnn")}, progress=False, log=lambda *a: None)
    losses = [entry["train_loss"] for entry in metrics["history"]]
    assert losses[-1] < losses[0]
    assert metrics["final"]["test"]["accuracy"] > 0.9


@pytest.mark.slow
def test_cnn_reaches_98_percent_on_digits(tmp_path):
    metrics = run({"dataset": "digits", "model": "cnn", "hidden": [32, 64], "epochs": 15,
                   "batch_size": 32, "optimizer": "adam", "lr": 1e-3, "scheduler": "step",
                   "step_size": 5, "gamma": 0.5, "seed": 0, "out": str(tmp_path / "cnn")},
                  progress=False, log=lambda *a: None)
    assert metrics["final"]["test"]["accuracy"] >= 0.98
