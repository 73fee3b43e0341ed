"""How every command talks to its caller: the two consoles, the exit codes, and invalid input as an exception.

A handler raises :class:`InvalidInput` for bad configuration or arguments; the dispatcher prints it as one
``error:`` line and exits 2, so no handler formats or returns that case itself.
"""

from __future__ import annotations

import os

from rich.console import Console
from rich.markup import escape
from rich.measure import Measurement
from rich.table import Table

EXIT_OK, EXIT_FAIL, EXIT_INVALID, EXIT_TOOLCHAIN = 0, 1, 2, 3

# soft_wrap: plain lines are never wrapped by rich (a terminal wraps them, a CI log keeps them whole).
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

# Wider than any summary row needs; only bounds the measurement of a table's natural width.
_UNBOUNDED = 10_000


class InvalidInput(Exception):
    """Invalid configuration or arguments: printed as one error (no traceback), exit status 2."""


def error(message: str) -> None:
    err.print(f"[bold red]error:[/] {escape(message)}")


def print_table(table: Table, console: Console = out) -> None:
    """Print ``table``; when the output is not a terminal and COLUMNS is unset (a CI log, a pipe), as wide as its
    widest row instead of rich's default 80 columns, so no row wraps at all."""
    if not console.is_terminal and "COLUMNS" not in os.environ:
        widest = Measurement.get(console, console.options.update_width(_UNBOUNDED), table).maximum
        if widest > console.width:
            # A table with a width renders at exactly that width; soft_wrap keeps the console from cropping it.
            table.width = widest
    console.print(table)
