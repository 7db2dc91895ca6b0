"""The `minikeras` command (also `python -m minikeras`).

    minikeras inspect FILE                 what a Keras file holds, without building the model
    minikeras convert IN OUT [--architecture MODEL]
                                           rewrite a file in another format, chosen by OUT's name
    minikeras run SCRIPT [ARGS...]         run a Keras script, unmodified, on minikeras
    minikeras --version

Each subcommand is one entry of `COMMANDS`: its function, its help and its arguments.
"""

import argparse
import os
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
    from minikeras import __version__

    parser.add_argument("--version", action="version", version=f"minikeras {__version__}")
    subcommands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (run, help_text, arguments) in COMMANDS.items():
        subparser = subcommands.add_parser(name, help=help_text, description=help_text)
        for flags, options in arguments:
            subparser.add_argument(*flags, **options)
        subparser.set_defaults(run=run)
    args = parser.parse_args(argv)
    try:
        _check_input_files(args)
        args.run(args)
    except Exception as error:
        # A file command fails in one line whatever went wrong; a script's own errors keep
        # their traceback.
        if args.command not in FILE_COMMANDS and not isinstance(error, (ValueError, OSError)):
            raise
        print(f"minikeras {args.command}: error: {_one_line(error)}", file=sys.stderr)
        return 1
    return 0


# The commands that read model files, and the arguments naming the files they read.
FILE_COMMANDS = ("inspect", "convert")
_INPUT_FILES = ("file", "input", "architecture")


def _check_input_files(args):
    if args.command in FILE_COMMANDS:
        for name in _INPUT_FILES:
            path = getattr(args, name, None)
            if path is not None and not os.path.exists(path):
                raise FileNotFoundError(f"No such file: '{path}'")


def _one_line(error):
    text = " ".join(str(error).split())
    if isinstance(error, (ValueError, OSError, ImportError)):
        return text
    return f"{type(error).__name__}: {text}"


if __name__ == "__main__":
    sys.exit(main())
