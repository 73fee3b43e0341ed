"""`make mutate`: mutation testing (mutmut 3) of gpu_platform's pure layers against the fast suite, and a report.

    python tools/mutate/run.py [--modules gpu_platform/sizing/memory.py gpu_platform/resolve ...] [--jobs N]
    python tools/mutate/run.py --report-only      # rewrite the report from the last run's results

mutmut writes its mutated copy (``mutants/``) beside the configuration it reads, and the tests find the repository
(stacks/, docs/, ../shared/upstream) relative to their own file. So the run happens in a scratch directory,
``out/mutate/``, holding symlinks to the repository's files and to ``../shared``, and a pyproject.toml whose
``only_mutate`` line (``[tool.mutmut]`` in the repository's pyproject.toml) is narrowed to ``--modules``. Each run
starts from a fresh ``out/mutate/``: no stale verdicts from older code or tests.

Outputs (out/mutate/): ``report.md`` (per module: mutants, killed, survived, equivalent, no tests, score; then each
unexplained survivor's diff), ``run.log`` (mutmut's own output). Equivalent mutants, which no test can kill because
they do not change behaviour, are listed in ``tools/mutate/equivalent.txt``, one per line with a one-line reason:

    gpu_platform.sizing.capacity.x_reserved_commitments__mutmut_27  # round(…, 4) = round(…, 3): 3-decimal prices

The score is (killed + timeout) / (mutants - equivalent - not checked): a mutant no test reaches ("no tests")
counts against it like a survivor; "not checked" ones (a run stopped early) are left out and counted apart. Exit
status: 0, or 1 with ``--strict`` when a survivor is neither killed nor recorded as equivalent, or when an
equivalent entry names no surviving mutant (stale).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
WORK = REPO / "out" / "mutate"
EQUIVALENT = Path(__file__).resolve().parent / "equivalent.txt"
BY_HAND = Path(__file__).resolve().parent / "import_time.txt"
"""Mutants of code that runs only while a module is imported (class bodies, module-level tables): mutmut's forkserver
imports gpu_platform before it switches a mutant on, so its runner cannot see them. Each line names the test that
kills the mutant, checked by applying it by hand; the report counts them as killed, in their own column."""
DEFAULT_MODULES = [
    "gpu_platform/spec",
    "gpu_platform/resolve",
    "gpu_platform/sizing",
    "gpu_platform/render",
    "gpu_platform/policy",
]
# What the fast suite reads from the repository besides gpu_platform/ and tests/ (also_copy in [tool.mutmut]).
LINKED = ["gpu_platform", "tests", "tools", "stacks", "docs", "components", "policy-pack", "benchmarks", ".github",
          "Pulumi.yaml", "__main__.py", "README.md", "CHANGELOG.md", "Makefile", "requirements.txt", "LICENSE"]
SPINNER = set("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")
KILLED = {"killed", "timeout", "caught by type check", "segfault", "by hand"}


@dataclass
class ModuleScore:
    module: str
    counts: Counter = field(default_factory=Counter)
    survivors: list[str] = field(default_factory=list)

    @property
    def scored(self) -> int:
        """Mutants with a verdict, less the equivalent ones (a run stopped early leaves some "not checked")."""
        return sum(self.counts.values()) - self.counts["equivalent"] - self.counts["not checked"]

    @property
    def score(self) -> str:
        caught = sum(n for status, n in self.counts.items() if status in KILLED)
        return f"{100.0 * caught / self.scored:.1f}%" if self.scored else "n/a"


def only_mutate_globs(modules: list[str]) -> list[str]:
    """``gpu_platform/sizing`` -> ``gpu_platform/sizing/*``; a .py file stays itself. Refuses what is not there."""
    globs = []
    for module in modules:
        path = REPO / module.rstrip("/")
        if path.is_dir():
            globs.append(f"{module.rstrip('/')}/*")
        elif path.is_file() and path.suffix == ".py":
            globs.append(module)
        else:
            sys.exit(f"mutate: MODULES entry {module!r} is neither a package directory nor a .py file under {REPO}")
    return globs


def prepare_workdir(globs: list[str]) -> None:
    """A fresh out/mutate/ with symlinks to the repository and a pyproject.toml narrowed to ``globs``."""
    if WORK.exists():
        shutil.rmtree(WORK)
    WORK.mkdir(parents=True)
    for name in LINKED:
        if (REPO / name).exists():
            (WORK / name).symlink_to(REPO / name)
    shared = REPO.parent / "shared"
    if shared.is_dir():  # tests/support.py looks for ground truth at <repository>/../shared/upstream
        (WORK / "shared").symlink_to(shared)
    text = (REPO / "pyproject.toml").read_text()
    line = "only_mutate = " + json.dumps(globs)
    narrowed, n = re.subn(r"(?m)^only_mutate = .*$", lambda _: line, text)
    if n != 1:
        sys.exit("mutate: [tool.mutmut] in pyproject.toml needs exactly one one-line `only_mutate = [...]`")
    (WORK / "pyproject.toml").write_text(narrowed)
    (WORK / "modules.txt").write_text(" ".join(globs))


def run_mutmut(jobs: int, names: list[str] | None = None, sample: tuple[int, int] | None = None) -> float:
    """Run ``mutmut run [names]`` in out/mutate/, or on a sample (N per package, seed) of its mutants (output to
    run.log and the terminal); return the wall time, s."""
    start = time.monotonic()
    if sample:
        cmd = [sys.executable, str(Path(__file__).resolve().parent / "sampled.py"), *map(str, sample), str(jobs)]
    else:
        cmd = [sys.executable, "-m", "mutmut", "run", "--max-children", str(jobs), *(names or [])]
    with open(WORK / "run.log", "a" if names else "w") as log:
        # Tests reading the operators' pinned Go sources find them through GOMODCACHE (tests/support.py): inside
        # mutmut's copy they would look for <copy>/.cache, which is not copied (gigabytes).
        env = {**os.environ, "GOMODCACHE": os.environ.get("GOMODCACHE") or str(REPO / ".cache" / "go" / "mod")}
        proc = subprocess.Popen(cmd, cwd=WORK, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        assert proc.stdout is not None
        for chunk in proc.stdout:
            if chunk.lstrip()[:1] in SPINNER:  # mutmut redraws a progress line; keep the log and terminal calm
                continue
            log.write(chunk)
            log.flush()
            sys.stdout.write(chunk)
            sys.stdout.flush()
        code = proc.wait()
    elapsed = time.monotonic() - start
    if code != 0:
        sys.exit(f"mutate: mutmut exited {code}; see {WORK / 'run.log'}")
    return elapsed


def load_equivalents(path: Path = EQUIVALENT) -> dict[str, str]:
    """``name  # reason`` lines of tools/mutate/equivalent.txt (or import_time.txt); a line without a reason is
    refused."""
    found = {}
    for n, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, reason = line.partition("#")
        if not sep or not reason.strip():
            sys.exit(f"mutate: {path}:{n}: each listed mutant needs a one-line reason after '#'")
        found[name.strip()] = reason.strip()
    return found


def collect(equivalents: dict[str, str], by_hand: dict[str, str] | None = None,
            ) -> tuple[dict[str, ModuleScore], list[str]]:
    """Per source file: the verdict counts (from mutmut's .meta files) and the unexplained survivors; and the stale
    entries of the two lists: a mutant that no longer exists, or that the run checked and found killed. (A sampled
    run leaves most listed mutants unchecked; those are not stale.)"""
    by_hand = by_hand or {}
    sys.path.insert(0, str(WORK))
    from mutmut.stats import status_by_exit_code  # noqa: E402  (mutmut's own exit-code table)

    scores: dict[str, ModuleScore] = {}
    seen_survivors, killed = set(), set()
    for meta in sorted((WORK / "mutants").rglob("*.py.meta")):
        module = str(meta.relative_to(WORK / "mutants"))[: -len(".meta")]
        exit_codes = json.loads(meta.read_text())["exit_code_by_key"]
        if not exit_codes:
            continue
        score = scores.setdefault(module, ModuleScore(module))
        for name, code in sorted(exit_codes.items(), key=lambda kv: _natural(kv[0])):
            status = status_by_exit_code[code]
            if status in ("survived", "no tests", "suspicious", "not checked"):
                seen_survivors.add(name)
            else:
                killed.add(name)
            if status in ("survived", "no tests", "suspicious") and name in equivalents:
                status = "equivalent"
            elif status in ("survived", "no tests", "suspicious") and name in by_hand:
                status = "by hand"
            score.counts[status] += 1
            if status in ("survived", "no tests", "suspicious"):
                score.survivors.append(name)
    stale = sorted(name for name in {*equivalents, *by_hand} if name not in seen_survivors)
    return scores, stale


def unchecked_names() -> set[str]:
    """Mutants of the last run without a verdict (never run, or reset by mutmut after their function changed)."""
    names = set()
    for meta in (WORK / "mutants").rglob("*.py.meta"):
        names |= {name for name, code in json.loads(meta.read_text())["exit_code_by_key"].items() if code is None}
    return names


def _natural(name: str) -> tuple[str, int]:
    stem, _, number = name.rpartition("__mutmut_")
    return stem, int(number) if number.isdigit() else 0


def diff_of(name: str, module: str) -> str:
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    cwd = os.getcwd()
    os.chdir(WORK)
    try:
        return get_diff_for_mutant(name, path=module)
    except Exception as exc:  # the report still lists the survivor; the diff is `mutmut show NAME` in out/mutate
        return f"(no diff: {exc})"
    finally:
        os.chdir(cwd)


def write_report(scores: dict[str, ModuleScore], stale: list[str], modules: list[str], wall: float | None) -> Path:
    lines = [
        "# Mutation testing report (mutmut, fast suite)",
        "",
        f"Modules: {' '.join(modules)}",
        f"Wall time: {wall:.0f} s" if wall is not None else "Wall time: (report rewritten from an earlier run)",
        "",
        "| module | mutants | killed | timeout | by hand | survived | no tests | equivalent | not checked | score |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    total = ModuleScore("**total**")
    packages: dict[str, ModuleScore] = {}
    for s in scores.values():
        total.counts.update(s.counts)
        package = "/".join(s.module.split("/")[:2])
        packages.setdefault(package, ModuleScore(f"**{package}/**")).counts.update(s.counts)
    for s in [*scores.values(), *packages.values(), total]:
        c = s.counts
        lines.append(f"| {s.module} | {sum(c.values())} | {c['killed']} | {c['timeout']} | {c['by hand']} | "
                     f"{c['survived']} | "
                     f"{c['no tests']} | {c['equivalent']} | {c['not checked']} | {s.score} |")
    lines += ["", "Score: (killed + timeout + by hand) / (mutants - equivalent - not checked). Equivalents: "
              "tools/mutate/equivalent.txt; by hand: tools/mutate/import_time.txt (import-time code mutmut's runner "
              "cannot see, each killed by a named test, checked by hand). \"not checked\": not sampled, or the run "
              "stopped before reaching them.", ""]
    if stale:
        lines += ["## Stale entries of equivalent.txt / import_time.txt (no such mutant, or the run killed it: remove "
                  "them)", ""]
        lines += [f"- {name}" for name in stale] + [""]
    lines += ["## Survivors: kill each with a test, or record it in tools/mutate/equivalent.txt with a reason", ""]
    for s in scores.values():
        for name in s.survivors:
            lines += [f"### {name}", "", "```diff", diff_of(name, s.module), "```", ""]
    path = WORK / "report.md"
    path.write_text("\n".join(lines))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modules", nargs="*", default=None,
                        help="package directories or .py files under gpu_platform/ (default: the five pure layers)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="mutants tested at once")
    parser.add_argument("--report-only", action="store_true", help="rewrite report.md from out/mutate's last run")
    parser.add_argument("--rerun-survivors", action="store_true",
                        help="after adding tests: re-test only the last run's survivors (mutmut finds the new tests)")
    parser.add_argument("--strict", action="store_true", help="exit 1 on unexplained survivors or stale entries")
    parser.add_argument("--sample", type=int, default=0, metavar="N",
                        help="test only N random mutants per package (an estimate, in minutes instead of hours)")
    parser.add_argument("--seed", type=int, default=15, help="the sample's random seed")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="scratch directory (default out/mutate); separate ones let runs of parts coexist")
    args = parser.parse_args(argv)
    if args.workdir is not None:
        global WORK
        WORK = args.workdir.resolve()
    modules = args.modules or DEFAULT_MODULES
    if (args.report_only or args.rerun_survivors) and (WORK / "modules.txt").is_file():
        modules = (WORK / "modules.txt").read_text().split()
    equivalents, by_hand = load_equivalents(), load_equivalents(BY_HAND)
    wall = None
    if (args.report_only or args.rerun_survivors) and not (WORK / "mutants").is_dir():
        sys.exit(f"mutate: no earlier run in {WORK}: run without --report-only/--rerun-survivors first")
    if args.rerun_survivors:
        scores, _ = collect(equivalents, by_hand)
        names = [name for s in scores.values() for name in s.survivors]
        wall = run_mutmut(args.jobs, names) if names else 0.0
        # A sampled run: mutmut has now reset the verdicts of mutants whose function changed; test those again.
        sampled = WORK / "sample.txt"
        reset = sorted(set(sampled.read_text().split()) & unchecked_names()) if sampled.is_file() else []
        if reset:
            wall += run_mutmut(args.jobs, reset)
    elif not args.report_only:
        prepare_workdir(only_mutate_globs(modules))
        wall = run_mutmut(args.jobs, sample=(args.sample, args.seed) if args.sample else None)
    scores, stale = collect(equivalents, by_hand)
    report = write_report(scores, stale, modules, wall)
    survivors = sum(len(s.survivors) for s in scores.values())
    print(f"\nmutate: {survivors} unexplained survivors, {len(stale)} stale equivalent entries; report: {report}")
    if wall is not None:
        print(f"mutate: wall time {wall:.0f} s")
    return 1 if args.strict and (survivors or stale) else 0


if __name__ == "__main__":
    sys.exit(main())
