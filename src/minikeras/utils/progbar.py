"""`Progbar`: the progress bar `fit`, `evaluate` and `predict` draw, byte for byte as Keras 3.

Also `print_msg`, the one place training code writes to stdout.
"""

import math
import os
import sys
import time

import numpy as np

from minikeras import backend

# The clock the bar reads; tests replace it with a fake one.
clock = time.time

_BOLD, _GREEN, _WHITE, _RESET = "\x1b[1m", "\x1b[32m", "\x1b[37m", "\x1b[0m"


def print_msg(message, line_break=True):
    """Write `message` (plus a newline when `line_break`) to the current stdout and flush; with
    interactive logging disabled, log it instead (logger `minikeras`, INFO).

    On a stdout that cannot encode the bar character, `━` falls back to `=` as in Keras.
    """
    if not backend.is_interactive_logging_enabled():
        import logging  # only here: a script that prints pays nothing for it

        logging.getLogger("minikeras").info(str(message))
        return
    message = f"{message}\n" if line_break else str(message)
    try:
        sys.stdout.write(message)
    except UnicodeEncodeError:
        encoding = sys.stdout.encoding or "utf-8"
        message = message.replace("━", "=").encode(encoding, errors="ignore").decode(encoding)
        sys.stdout.write(message)
    sys.stdout.flush()


class Progbar:
    """A progress bar over `target` steps.

    Args:
        target: total number of steps, or None if unknown.
        width: number of bar characters.
        verbose: 0 silent, 1 a bar redrawn in place, 2 one line when finished.
        interval: minimum seconds between two redraws (the final one always draws).
        stateful_metrics: names whose values are shown as given; the others are averaged
            over the steps seen. Give this or `stateless_metrics`, not both.
        stateless_metrics: names that are averaged; all others are shown as given.
        unit_name: what a step is called in the time per step (`"step"`, `"sample"`).
    """

    def __init__(
        self,
        target,
        width=20,
        verbose=1,
        interval=0.05,
        stateful_metrics=None,
        stateless_metrics=None,
        unit_name="step",
    ):
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError(
                "Only one of `stateful_metrics` or `stateless_metrics` can be provided. "
                "`stateful_metrics` is used to make metrics stateless by default (with an "
                "exclusion list), while `stateless_metrics` is used to make metrics stateful "
                "by default (with an exclusion list)."
            )
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        if stateless_metrics is not None:
            self.stateful_metrics, self.stateless_metrics = None, set(stateless_metrics)
        else:
            self.stateful_metrics, self.stateless_metrics = set(stateful_metrics or ()), None
        # Keras redraws in place whenever it runs on a POSIX system, even into a pipe (asked
        # first: it is the cheapest question, and the answer on POSIX).
        self._dynamic_display = (
            "posix" in sys.modules
            or (hasattr(sys.stdout, "isatty") and sys.stdout.isatty())
            or "ipykernel" in sys.modules
            or "PYCHARM_HOSTED" in os.environ
        )
        self._seen_so_far = 0
        self._values = {}  # name -> [weighted sum, weight]; insertion order is display order
        self._start = clock()
        self._last_update = 0
        self._time_after_first_step = None
        self._prev_total_width = 0

    def update(self, current, values=None, finalize=None):
        """Move the bar to step `current`.

        Args:
            current: index of the current step (1-based).
            values: `(name, value)` pairs for this step.
            finalize: whether this is the last update; default `current >= target`.
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for name, value in values or ():
            if self._is_averaged(name) and not finalize:
                # A value stands for every step since the last update.
                steps = max(current - self._seen_so_far, 1)
                if name in self._values:
                    self._values[name][0] += value * steps
                    self._values[name][1] += steps
                else:
                    self._values[name] = [value * steps, steps]
            else:
                self._values[name] = [value, 1]
        self._seen_so_far = current

        now = clock()
        time_per_unit = self._estimate_step_duration(current, now)
        if self.verbose == 1:
            if now - self._last_update < self.interval and not finalize:
                return
            self._draw(current, now, time_per_unit, finalize)
        elif self.verbose == 2 and finalize and self._known_target():
            line = f"{self._count(current)} - {now - self._start:.0f}s -"
            line += self._format_time(time_per_unit) + self._format_values(abs_check=False)
            print_msg(line + "\n", line_break=False)
        self._last_update = now

    def add(self, n, values=None):
        """Advance the bar by `n` steps."""
        self.update(self._seen_so_far + n, values)

    def _known_target(self):
        return self.target is not None and self.target > 0

    def _count(self, current):
        """`current/target`, `current` right-aligned to the width of `target`."""
        return "%*d/%d" % (int(math.log10(self.target)) + 1, current, self.target)

    def _is_averaged(self, name):
        if self.stateful_metrics is not None:
            return name not in self.stateful_metrics
        return name in self.stateless_metrics

    def _draw(self, current, now, time_per_unit, finalize):
        """Redraw the verbose=1 bar in place: back over the old line, then the new one."""
        prefix = "\b" * self._prev_total_width + "\r" if self._dynamic_display else "\n"
        invisible = 8  # the ANSI codes around the time; the width ignores them
        known_target = self._known_target()
        if known_target:
            bar = f"{_BOLD}{self._count(current)}{_RESET} "
            done = int(self.width * float(current) / self.target)
            if done > 0:
                bar += f"{_GREEN}{'━' * done}{_RESET}"
                invisible += 9
            bar += f"{_WHITE}{'━' * (self.width - done)}{_RESET}"
            invisible += 17
        else:
            bar = "%7d/Unknown" % current
        if known_target and not finalize:
            info = f" {_BOLD}{_format_eta(time_per_unit * (self.target - current))}{_RESET}"
        else:
            info = f" {_BOLD}{now - self._start:.0f}s{_RESET}"
        info += self._format_time(time_per_unit) + self._format_values(abs_check=True)
        total_width = len(bar) + len(info) - invisible
        # Blank out what is left of a longer previous line.
        padding = " " * (self._prev_total_width - total_width)
        print_msg(prefix + bar + info + padding + ("\n" if finalize else ""), line_break=False)
        self._prev_total_width = total_width

    def _format_values(self, abs_check):
        """` - name: value` for each metric; tiny values in scientific notation. (Keras'
        one-line mode tests `avg > 1e-3`, without abs, so negatives print as `%.4e` there.)"""
        text = ""
        for name, (total, weight) in self._values.items():
            if not isinstance(total, float):
                total = np.mean(total)
            average = total / max(1, weight)
            large = abs(average) > 1e-3 if abs_check else average > 1e-3
            text += f" - {name}: {average:.4f}" if large else f" - {name}: {average:.4e}"
        return text

    def _format_time(self, seconds):
        if seconds >= 1 or seconds == 0:
            return f" {seconds:.0f}s/{self.unit_name}"
        if seconds >= 1e-3:
            return f" {seconds * 1e3:.0f}ms/{self.unit_name}"
        return f" {seconds * 1e6:.0f}us/{self.unit_name}"

    def _estimate_step_duration(self, current, now):
        """Seconds per step; the first step (often slow: compilation, warm-up) is left out of
        the estimate once later steps are known."""
        if not current:
            return 0
        if self._time_after_first_step is not None and current > 1:
            time_per_unit = (now - self._time_after_first_step) / (current - 1)
        else:
            time_per_unit = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return time_per_unit


def _format_eta(seconds):
    if seconds > 3600:
        return "%d:%02d:%02d" % (seconds // 3600, (seconds % 3600) // 60, seconds % 60)
    if seconds > 60:
        return "%d:%02d" % (seconds // 60, seconds % 60)
    return "%ds" % seconds
