"""``gradiente evaluate RUN``: the metrics of a run's last checkpoint on its train and test data."""

import json

from . import CommandError


def register(subparsers):
    parser = subparsers.add_parser("evaluate", help="metrics of a trained run on its dataset",
                                   description=__doc__)
    parser.add_argument("run", metavar="RUN", help="run directory written by gradiente train")
    parser.add_argument("--json", action="store_true", help="print the metrics as JSON")
    parser.set_defaults(func=run)


def run(args):
    from .. import training

    try:
        config, _, model = training.load_run(args.run)
        split = training.load_data(config)
    except (training.ConfigError, training.CheckpointError, training.TrainingError) as error:
        raise CommandError(str(error)) from None
    results = {name: training.evaluate(model, x, y, split.task, split.num_classes)
               for name, x, y in (("train", split.x_train, split.y_train),
                                  ("test", split.x_test, split.y_test))}
    if args.json:
        print(json.dumps(results))
    else:
        print(training.format_table(results, split.class_names))
    return 0
