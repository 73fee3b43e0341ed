"""`schema`: the multi-language package schema, inferred from the served components, printed offline.

Regenerating ``components/_schema.py`` writes into this repository, so it is a maintainer command:
``python -m gpu_platform.dev schema --write-args``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ._console import EXIT_OK


def schema_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--version", help="package version in the schema (default: the library's)")
    p.add_argument("--output", "-o", help="write the schema here instead of stdout")


def schema(args: argparse.Namespace) -> int:
    from ..schema import schema_json

    text = schema_json(args.version)
    if args.output:
        Path(args.output).write_text(text)
    else:
        sys.stdout.write(text)
    return EXIT_OK
