"""The training command line end to end, on tiny runs (iris, a 4-unit MLP, a few epochs)."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import gradiente as gr
from gradiente import datasets
from gradiente.cli import main

TINY = ["--dataset", "iris", "--hidden", "4", "--batch-size", "16", "--lr", "0.05",
        "--scheduler", "step", "--step-size", "2", "--quiet"]


def train(tmp_path, name, *options):
    out = tmp_path / name
    assert main(["train", *TINY, "--out", str(out), *options]) == 0
    return out


def weights(run):
    return {k: v.numpy() for k, v in gr.load(run / "checkpoint.safetensors")["model"].items()}


def error_line(capsys, argv):
    """Run ``argv``; it must fail with status 2 and one line on stderr, which is returned."""
    status = main(argv)
    err = capsys.readouterr().err.strip()
    assert status == 2, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    return err


def test_train_writes_the_run_directory(tmp_path, capsys):
    run = train(tmp_path, "a", "--epochs", "3")
    out = capsys.readouterr().out
    assert "epoch 3/3" in out and "confusion matrix" in out
    config = json.loads((run / "config.json").read_text())
    assert config["hidden"] == [4] and config["data"]["num_classes"] == 3
    metrics = json.loads((run / "metrics.json").read_text())
    assert [e["epoch"] for e in metrics["history"]] == [1, 2, 3]
    assert [e["lr"] for e in metrics["history"]] == pytest.approx([0.05, 0.05, 0.025])
    assert (run / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    state = gr.load(run / "checkpoint.safetensors")
    assert state["epoch"] == 3 and set(state) >= {"model", "optimizer", "scheduler", "rng"}


def test_config_file_takes_the_same_keys_and_options_override_it(tmp_path):
    config = tmp_path / "run.toml"
    config.write_text('dataset = "iris"\nhidden = [5, 3]\nbatch-size = 16\nepochs = 1\n'
                      'lr = 0.05\n')
    out = tmp_path / "b"
    assert main(["train", "--config", str(config), "--epochs", "2", "--out", str(out),
                 "--quiet"]) == 0
    saved = json.loads((out / "config.json").read_text())
    assert saved["hidden"] == [5, 3] and saved["batch_size"] == 16 and saved["epochs"] == 2


def test_resume_gives_the_weights_of_an_uninterrupted_run(tmp_path):
    whole = train(tmp_path, "whole", "--epochs", "4", "--momentum", "0.9")
    part = train(tmp_path, "part", "--epochs", "2", "--momentum", "0.9")
    assert main(["train", "--resume", str(part), "--epochs", "4", "--quiet"]) == 0
    expected, got = weights(whole), weights(part)
    for key in expected:
        np.testing.assert_array_equal(got[key], expected[key])
    history = [json.loads((r / "metrics.json").read_text())["history"] for r in (whole, part)]
    assert history[0] == history[1]


def test_evaluate_reports_the_final_metrics(tmp_path, capsys):
    run = train(tmp_path, "c", "--epochs", "2")
    capsys.readouterr()
    assert main(["evaluate", str(run), "--json"]) == 0
    reported = json.loads(capsys.readouterr().out)
    final = json.loads((run / "metrics.json").read_text())["final"]
    assert reported["test"]["accuracy"] == final["test"]["accuracy"]
    assert reported["test"]["loss"] == pytest.approx(final["test"]["loss"], rel=1e-6)
    assert np.sum(reported["test"]["confusion"]) == 30


def test_predict_standardises_raw_features_like_training(tmp_path, capsys):
    run = train(tmp_path, "d", "--epochs", "3")
    raw = datasets.iris(seed=0)  # the run's split, before standardisation
    csv = tmp_path / "x.csv"
    np.savetxt(csv, raw.x_test, delimiter=",", header="a,b,c,d", comments="")
    capsys.readouterr()
    assert main(["predict", str(run), "--input", str(csv), "--probabilities"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].split(",")[:2] == ["prediction", "class"] and len(lines) == 31
    predicted = np.array([int(line.split(",")[0]) for line in lines[1:]])
    final = json.loads((run / "metrics.json").read_text())["final"]["test"]
    assert np.mean(predicted == raw.y_test) == final["accuracy"]
    probabilities = np.array([[float(v) for v in line.split(",")[2:]] for line in lines[1:]])
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, atol=1e-5)


@pytest.mark.parametrize("argv,message", [
    (["train", "--dataset", "nope"], "unknown dataset 'nope'; choose one of"),
    (["train", "--model", "resnet"], "unknown model 'resnet'"),
    (["train", "--activation", "swish"], "unknown activation 'swish'"),
    (["train", "--epochs", "many"], "epochs must be int, got 'many'"),
    (["train", "--hidden", "64,x"], "hidden must be sizes like 64,64"),
    (["train", "--lr", "-1"], "lr must be positive"),
    (["train", "--config", "/nonexistent/run.toml"], "config file /nonexistent/run.toml not found"),
    (["train", "--resume", "/nonexistent/run"], "/nonexistent/run is not a run directory"),
    (["evaluate", "/nonexistent/run"], "/nonexistent/run is not a run directory"),
])
def test_bad_input_is_one_line(capsys, argv, message):
    assert message in error_line(capsys, argv)


def test_unknown_option_exits_without_traceback(capsys):
    with pytest.raises(SystemExit) as info:
        main(["train", "--colour", "blue"])
    assert info.value.code == 2
    assert "unrecognized arguments: --colour blue" in capsys.readouterr().err


def test_bad_config_files(tmp_path, capsys):
    config = tmp_path / "bad.toml"
    config.write_text("epochs = [1\n")
    assert f"config file {config} is not valid TOML" in error_line(
        capsys, ["train", "--config", str(config)])
    config.write_text("epoch = 3\n")
    assert "unknown key 'epoch'" in error_line(capsys, ["train", "--config", str(config)])
    config.write_text("[model]\nname = 'mlp'\n")
    assert "got a table [model]" in error_line(capsys, ["train", "--config", str(config)])


def test_missing_and_corrupted_checkpoints(tmp_path, capsys):
    run = train(tmp_path, "e", "--epochs", "1")
    checkpoint = run / "checkpoint.safetensors"
    data = checkpoint.read_bytes()
    checkpoint.write_bytes(data[:-10])
    for argv in (["evaluate", str(run)], ["train", "--resume", str(run), "--epochs", "2"],
                 ["predict", str(run), "--input", str(run / "config.json")]):
        assert "corrupted" in error_line(capsys, argv)
    checkpoint.unlink()
    assert "no checkpoint in" in error_line(capsys, ["evaluate", str(run)])
    assert "only --epochs may change (got --lr)" in error_line(
        capsys, ["train", "--resume", str(run), "--lr", "0.1"])


def test_nan_loss_names_the_step_and_suggests_a_lower_rate(tmp_path, capsys):
    err = error_line(capsys, ["train", *TINY, "--lr", "1e30", "--epochs", "2",
                              "--out", str(tmp_path / "f")])
    assert "the loss became" in err and "at epoch 1, step" in err
    assert "try a lower learning rate than --lr 1e+30" in err


def test_bad_prediction_inputs(tmp_path, capsys):
    run = train(tmp_path, "g", "--epochs", "1")
    csv = tmp_path / "x.csv"
    csv.write_text("1,2,3\n")
    assert "has 3 columns but the model takes 4 features" in error_line(
        capsys, ["predict", str(run), "--input", str(csv)])
    csv.write_text("1,2,3,4\n1,2,three,4\n")
    assert "is not a CSV of numbers" in error_line(
        capsys, ["predict", str(run), "--input", str(csv)])
    csv.write_text("1,2,3,4\n1,2,nan,4\n")
    assert "line 2 holds a value that is not a finite number" in error_line(
        capsys, ["predict", str(run), "--input", str(csv)])
    assert "cannot read" in error_line(
        capsys, ["predict", str(run), "--input", str(tmp_path / "none.csv")])


def _default_sigint():
    # a job started in the background of a non-interactive shell inherits SIGINT ignored, and
    # Python then installs no KeyboardInterrupt handler: the child gets the default back
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start_training(out, epochs):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "gradiente", "train", *TINY, "--epochs",
                             str(epochs), "--out", str(out)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, preexec_fn=_default_sigint)


def _wait_for(path, process, timeout=60):
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "no checkpoint appeared"
        time.sleep(0.02)


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGKILL])
def test_an_interrupted_run_leaves_a_loadable_checkpoint_and_resumes_exactly(tmp_path, how):
    out = tmp_path / "killed"
    process = _start_training(out, epochs=100000)
    try:
        _wait_for(out / "metrics.json", process)
        time.sleep(0.2)
        process.send_signal(how)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:  # a failed wait must not leave 100000 epochs running
            process.kill()
            process.communicate()
    if how == signal.SIGINT:
        assert process.returncode == 130 and err.strip().endswith("gradiente train: interrupted")
        assert "Traceback" not in err
    epoch = gr.load(out / "checkpoint.safetensors")["epoch"]
    assert epoch >= 1
    assert main(["train", "--resume", str(out), "--epochs", str(epoch + 2), "--quiet"]) == 0
    whole = train(tmp_path, "whole", "--epochs", str(epoch + 2))
    expected, got = weights(whole), weights(out)
    for key in expected:
        np.testing.assert_array_equal(got[key], expected[key])


@pytest.mark.slow
def test_the_demo_run_reaches_97_percent_on_digits(tmp_path):
    from gradiente import training
    metrics = training.run({**training.DEMO, "out": str(tmp_path / "demo")}, progress=False,
                           log=lambda *_: None)
    assert metrics["final"]["test"]["accuracy"] >= 0.97
    assert (tmp_path / "demo" / "curves.png").is_file()
    assert gr.load(tmp_path / "demo" / "checkpoint.safetensors")["epoch"] == 30


def test_config_round_trips_through_its_dict():
    from gradiente.training import TrainConfig
    config = TrainConfig.from_dict({"hidden": "32, 16", "standardize": "false", "epochs": 3.0})
    assert config.hidden == [32, 16] and config.standardize is False and config.epochs == 3
    assert config.data_dir is None
    assert TrainConfig.from_dict(config.to_dict()) == config
