"""`gpu-platform validate | plan | diff | check | verify | schema`: the offline face of the platform.

Exit codes: 0 success, 2 invalid input (configuration or arguments; printed without a traceback),
1 anything else (also without a traceback unless --debug), 3 when verify has no control plane.

The table below is every user command; each handler imports what it needs when it runs, so start-up stays fast.
Maintainer commands that write into this repository (docs, golden, schema --write-args) are not here: they are
``python -m gpu_platform.dev``.
"""

from __future__ import annotations

from typing import Optional, Sequence

from . import _package, _plan, _review, _verify
from ._console import EXIT_FAIL, EXIT_INVALID, EXIT_OK, EXIT_TOOLCHAIN, err, out
from ._dispatch import Command, build_parser as _build_parser, run

__all__ = ["COMMANDS", "EXIT_FAIL", "EXIT_INVALID", "EXIT_OK", "EXIT_TOOLCHAIN", "build_parser", "err", "main", "out"]

COMMANDS: tuple[Command, ...] = (
    Command("validate", "validate a stack's configuration (no resources)", _plan.validate_arguments, _plan.validate),
    Command("plan", "run the program offline under the mock engine and summarise the plan",
            _plan.plan_arguments, _plan.plan),
    Command("check", "run the production checklist (policy rules) over a stack's plan, offline",
            _review.check_arguments, _review.check),
    Command("diff", "Markdown diff of two plan directories (for a pull-request comment)",
            _review.diff_arguments, _review.diff),
    Command("schema", "print the multi-language package schema inferred from the components",
            _package.schema_arguments, _package.schema),
    Command("verify", "apply plans to a real control plane (API server, webhooks, controllers)",
            _verify.verify_arguments, _verify.verify),
)


def build_parser():
    from .. import __version__

    return _build_parser("gpu-platform", __doc__.splitlines()[0], COMMANDS, __version__)


def main(argv: Optional[Sequence[str]] = None) -> int:
    return run(build_parser(), argv)
