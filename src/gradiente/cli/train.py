"""``gradiente train``: train a model on a dataset, with checkpoints, metrics and plots.

    gradiente train --dataset digits --model mlp --hidden 64,64 --epochs 30 --out runs/digits
    gradiente train --config run.toml          # the same keys, in a TOML file
    gradiente train --resume runs/digits [--epochs 40]

Options given on the command line override the config file, which overrides the defaults.
"""

import dataclasses

from . import CommandError

HELP = {
    "dataset": "dataset name (digits, iris, wine, breast_cancer, diabetes, moons, circles, "
               "blobs, spirals, xor, linear, mnist, fashion_mnist)",
    "model": "model name (mlp, linear, ...)",
    "hidden": "hidden layer sizes of the MLP, e.g. 64,64",
    "activation": "activation between layers (relu, tanh, sigmoid, ...)",
    "init": "weight initialisation: he (kaiming_uniform_, zero biases) or default",
    "epochs": "number of passes over the training data",
    "batch_size": "examples per minibatch",
    "optimizer": "sgd, adam, adamw, rmsprop or adagrad",
    "lr": "learning rate",
    "momentum": "momentum (sgd, rmsprop)",
    "weight_decay": "L2 penalty",
    "scheduler": "learning-rate schedule: none, step, exponential or cosine",
    "step_size": "epochs between decays of the step schedule",
    "gamma": "decay factor of the step and exponential schedules",
    "seed": "seed of the split, the initial weights and the shuffling",
    "test_size": "fraction of the examples held out for testing",
    "standardize": "standardise the features with the training statistics (true/false)",
    "data_dir": "directory of the IDX files for mnist and fashion_mnist",
    "out": "run directory (default runs/DATASET-MODEL)",
}


def register(subparsers):
    parser = subparsers.add_parser(
        "train", help="train a model on a dataset (checkpoints, metrics, plots)",
        description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", metavar="FILE", help="TOML file with the options below")
    parser.add_argument("--resume", metavar="RUN", help="continue the run in directory RUN")
    parser.add_argument("--quiet", action="store_true",
                        help="one line per epoch instead of progress bars")
    from ..training import TrainConfig
    for field in dataclasses.fields(TrainConfig):
        parser.add_argument(f"--{field.name.replace('_', '-')}", dest=field.name, default=None,
                            metavar=field.name.upper(), help=HELP.get(field.name))
    parser.set_defaults(func=run)


def run(args):
    from .. import training

    options = {key: getattr(args, key) for key in HELP if getattr(args, key) is not None}
    try:
        if args.resume:
            extra = sorted(set(options) - {"epochs"}) + (["config"] if args.config else [])
            if extra:
                raise CommandError(f"--resume continues a run with its saved settings; only "
                                   f"--epochs may change (got --{extra[0].replace('_', '-')})")
            training.resume(args.resume, epochs=options.get("epochs"),
                            progress=not args.quiet)
            return 0
        values = training.load_toml(args.config) if args.config else {}
        values.update(options)
        config = training.TrainConfig.from_dict(values)
        training.run(config, progress=not args.quiet)
    except (training.ConfigError, training.CheckpointError, training.TrainingError) as error:
        raise CommandError(str(error)) from None
    return 0
