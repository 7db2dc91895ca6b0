"""The `minikeras` command (also `python -m minikeras`).

    minikeras inspect FILE                 what a Keras file holds, without building the model
    minikeras convert IN OUT [--architecture MODEL]
                                           rewrite a file in another format, chosen by OUT's name
    minikeras run SCRIPT [ARGS...]         run a Keras script, unmodified, on minikeras

Each subcommand is one entry of `COMMANDS`: its function, its help and its arguments.
"""

import argparse
import sys


def _inspect(args):
    from minikeras.saving import file_info

    print(file_info.describe(args.file))


def _convert(args):
    import warnings

    from minikeras.saving import file_info

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the legacy-format notice is no news to this user
        file_info.convert(args.input, args.output, args.architecture)
    print(f"Wrote {args.output}")


def _run(args):
    from minikeras.compat import runner

    runner.run_script(args.script, args.args)


COMMANDS = {
    "inspect": (
        _inspect,
        "Describe a Keras file: format, writer, architecture, weights, optimizer and compile "
        "settings.",
        [(("file",), {"help": "a .keras, .h5 or .weights.h5 file"})],
    ),
    "convert": (
        _convert,
        "Convert between Keras formats (.keras, .h5 for tf_keras and Keras 3, .weights.h5); "
        "the output format follows the output file's name.",
        [
            (("input",), {"help": "the file to read"}),
            (("output",), {"help": "the file to write"}),
            (("--architecture",), {"metavar": "MODEL",
                                   "help": "a model file giving the architecture when INPUT "
                                           "holds weights only"}),
        ],
    ),
    "run": (
        _run,
        "Run a Keras script as `python SCRIPT ARGS...` would, its keras, tensorflow.keras and "
        "tf_keras imports answered by minikeras.",
        [
            (("script",), {"help": "the Python script to run"}),
            (("args",), {"nargs": argparse.REMAINDER, "help": "the script's own arguments"}),
        ],
    ),
}


def main(argv=None):
    """Run the command line `argv` (default `sys.argv[1:]`); returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="minikeras", description="minikeras: run Keras scripts on numpy, and inspect or convert Keras model files."
    )
    subcommands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (run, help_text, arguments) in COMMANDS.items():
        subparser = subcommands.add_parser(name, help=help_text, description=help_text)
        for flags, options in arguments:
            subparser.add_argument(*flags, **options)
        subparser.set_defaults(run=run)
    args = parser.parse_args(argv)
    try:
        args.run(args)
    except (ValueError, OSError) as error:
        print(f"minikeras {args.command}: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
