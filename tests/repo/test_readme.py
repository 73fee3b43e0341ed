"""Every ```python snippet in the README runs as written, offline: snippets that build resources run inside the
mock engine (a StackReference answers with what the dev platform stack really exports); snippets that drive the
plan API themselves run as they are. Snippets share one namespace, in order, as a reader would run them."""

from __future__ import annotations

import json
import re

from gpu_platform.plan import run_program
from gpu_platform.plan.runner import run_stack
from support import REPO, stack_outputs_mocks

_BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def test_every_python_snippet_in_the_readme_runs():
    blocks = _BLOCK.findall((REPO / "README.md").read_text())
    assert len(blocks) >= 3
    _, dev = run_stack("dev")
    outputs = {**dev.outputs, "kubeconfig": json.dumps({"apiVersion": "v1", "kind": "Config"})}
    namespace: dict = {}
    for block in blocks:
        if "run_program(" in block:
            exec(compile(block, "README.md", "exec"), namespace)
            continue
        plan = run_program(lambda b=block: exec(compile(b, "README.md", "exec"), namespace), stack="readme",
                           mocks=stack_outputs_mocks(outputs))
        assert plan.resources, block
