"""`make mutate`'s own logic: the sample is stratified by package and reproducible; the score leaves out what was not
checked and counts "no tests" against the module."""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter

import pytest

from support import REPO


def _load(name: str):
    pytest.importorskip("mutmut")  # a dev extra: `make install` has it
    spec = importlib.util.spec_from_file_location(f"mutate_{name}", REPO / "tools" / "mutate" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_sample_takes_n_per_package_reproducibly_and_all_of_a_small_package():
    sampled = _load("sampled")
    names = [f"gpu_platform.render.model.x_f__mutmut_{i}" for i in range(50)]
    names += [f"gpu_platform.spec.model.x_g__mutmut_{i}" for i in range(3)]
    first = sampled.sample(names, 10, seed=15)
    assert Counter(sampled.package_of(n) for n in first) == {"gpu_platform.render": 10, "gpu_platform.spec": 3}
    assert sampled.sample(list(reversed(names)), 10, seed=15) == first  # input order does not matter
    assert sampled.sample(names, 10, seed=16) != first


def test_the_score_counts_no_tests_against_a_module_and_leaves_out_not_checked():
    run = _load("run")
    score = run.ModuleScore("gpu_platform/sizing/memory.py", Counter(
        {"killed": 15, "timeout": 2, "survived": 2, "no tests": 1, "equivalent": 3, "not checked": 7}))
    assert score.scored == 20  # 30 mutants less 3 equivalent and 7 not checked
    assert score.score == "85.0%"  # (15 killed + 2 timeouts) / 20
    assert run.ModuleScore("m").score == "n/a"


def test_modules_become_globs_and_a_missing_one_is_refused():
    run = _load("run")
    assert run.only_mutate_globs(["gpu_platform/sizing", "gpu_platform/resolve/cost.py"]) == [
        "gpu_platform/sizing/*", "gpu_platform/resolve/cost.py"]
    with pytest.raises(SystemExit, match="gpu_platform/nope"):
        run.only_mutate_globs(["gpu_platform/nope"])
