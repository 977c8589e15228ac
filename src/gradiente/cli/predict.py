"""``gradiente predict RUN --input FILE.csv``: predictions of a trained run for new examples.

The CSV holds one example per row, raw features (as in the dataset, before
standardisation) separated by commas; a first row that is not numeric is taken as a header.
The output is CSV: ``prediction`` (the class index or the predicted value) and, for
classes, ``class`` (its name) and with ``--probabilities`` one column per class.
"""

import sys

import numpy as np

import gradiente as gr

from . import CommandError


def register(subparsers):
    parser = subparsers.add_parser("predict", help="predict new examples from a CSV file",
                                   description=__doc__.split("\n\n")[0])
    parser.add_argument("run", metavar="RUN", help="run directory written by gradiente train")
    parser.add_argument("--input", required=True, metavar="FILE",
                        help="CSV of raw features, one example per row")
    parser.add_argument("--output", metavar="FILE", help="write the CSV here (default: stdout)")
    parser.add_argument("--probabilities", action="store_true",
                        help="add each class's softmax probability")
    parser.set_defaults(func=run)


def read_features(path, num_features):
    """The (n, num_features) float array in a CSV file; errors name the file and the line."""
    try:
        with open(path) as file:
            first = file.readline()
    except OSError as error:
        raise CommandError(f"cannot read {path}: {error.strerror}") from None
    try:
        [float(v) for v in first.split(",")]
        header = 0
    except ValueError:
        header = 1
    try:
        x = np.loadtxt(path, delimiter=",", skiprows=header, ndmin=2, dtype=np.float64)
    except ValueError as error:
        raise CommandError(f"{path} is not a CSV of numbers ({error})") from None
    if x.size == 0:
        raise CommandError(f"{path} holds no examples")
    if x.shape[1] != num_features:
        raise CommandError(f"{path} has {x.shape[1]} columns but the model takes "
                           f"{num_features} features")
    if not np.isfinite(x).all():
        row = int(np.flatnonzero(~np.isfinite(x).all(axis=1))[0]) + 1 + header
        raise CommandError(f"{path}: line {row} holds a value that is not a finite number")
    return x


def run(args):
    from .. import training

    try:
        _, info, model = training.load_run(args.run)
    except (training.ConfigError, training.CheckpointError) as error:
        raise CommandError(str(error)) from None
    input_shape = info["input_shape"]
    x = read_features(args.input, int(np.prod(input_shape)))
    x = training.standardized(info, x).reshape(len(x), *input_shape)
    with gr.no_grad():
        output = model(gr.tensor(x, dtype=gr.get_default_dtype()))
    lines = _rows(output, info, args.probabilities)
    text = "\n".join(lines) + "\n"
    if args.output:
        with open(args.output, "w") as file:
            file.write(text)
    else:
        sys.stdout.write(text)
    return 0


def _rows(output, info, probabilities):
    if info["task"] != "classification":
        return ["prediction", *(f"{v:.6g}" for v in output.numpy().reshape(len(output), -1)[:, 0])]
    names = info["class_names"] or [str(k) for k in range(info["num_classes"])]
    labels = output.argmax(dim=1).numpy()
    header = ["prediction", "class"]
    columns = [labels.astype(str), np.asarray(names)[labels]]
    if probabilities:
        probs = gr.nn.functional.softmax(output, dim=1).numpy()
        header += [f"p_{name}" for name in names]
        columns += [np.char.mod("%.6f", probs[:, k]) for k in range(probs.shape[1])]
    return [",".join(header), *(",".join(row) for row in zip(*columns))]
