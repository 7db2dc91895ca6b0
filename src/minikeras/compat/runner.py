"""`minikeras run script.py [args...]`: run a Keras script, unmodified, on minikeras.

The script runs as `python script.py args...` would: `sys.argv` is `[script.py, args...]` (with
the script's absolute path first, as runpy sets it; Python keeps the path as typed), its
`__name__` is `"__main__"`, its own folder comes first on `sys.path`, an uncaught exception
prints its traceback (from the script's frame down) and exits with status 1, and `sys.exit(n)`
exits with n. Its `keras`, `tensorflow` and `tf_keras` imports give minikeras (`install()`).
"""

import os
import runpy
import sys
import traceback

from minikeras import compat


def run_script(path, args=()):
    """Run the script at `path` with arguments `args`; raises SystemExit with its exit status
    when it fails or calls `sys.exit`, returns when it ends normally."""
    if not os.path.isfile(path):
        print(f"minikeras run: can't open file {os.path.abspath(path)!r}: "
              "[Errno 2] No such file or directory", file=sys.stderr)
        raise SystemExit(2)
    filename = os.path.abspath(path)  # what Python gives `__file__` and the traceback
    installed_here = not compat.is_installed()
    saved_argv, saved_path0 = sys.argv, sys.path[0]
    compat.install()
    sys.argv = [path, *args]
    sys.path[0] = os.path.dirname(os.path.realpath(path))  # Python's rule for `python path`
    try:
        runpy.run_path(filename, run_name="__main__")
    except Exception as error:  # SystemExit and KeyboardInterrupt go on as they would
        traceback.print_exception(type(error), error, _from_script(error.__traceback__, filename))
        raise SystemExit(1) from None
    finally:
        sys.argv = saved_argv
        if sys.path and sys.path[0] == os.path.dirname(os.path.realpath(path)):
            sys.path[0] = saved_path0
        if installed_here:
            compat.uninstall()


def _from_script(tb, filename):
    """The traceback from the script's first frame on (runpy's own frames left out)."""
    start = tb
    while start is not None and start.tb_frame.f_code.co_filename != filename:
        start = start.tb_next
    return start or tb
