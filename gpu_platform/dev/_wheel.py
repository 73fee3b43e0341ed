"""`python -m gpu_platform.dev wheel-test` (`make wheel-test`): the release artifact works away from this repository.

Builds the wheel with `build`, installs it into a fresh virtualenv in a temporary directory, and from another
working directory runs the installed `gpu-platform` on a copy of stacks/Pulumi.dev.yaml: `--version`, `--help`
(which must list no maintainer command), `validate`, and `plan --out`, which must write plan.json. The wheel must
hold every module of the source tree, so nothing the plan imports only works from a checkout.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import venv
import zipfile
from pathlib import Path

from ..cli._console import EXIT_FAIL, EXIT_OK, error, out

# Commands that write into a repository; the installed CLI must not offer them (they are this package's `dev`).
MAINTAINER_WORDS = ("docs", "golden", "--write-args", "--check-args")


def _step(message: str) -> None:
    out.print(f"[bold]wheel-test:[/] {message}")


def _run(cmd: list, cwd: Path) -> str:
    _step(" ".join(str(c) for c in cmd))
    done = subprocess.run([str(c) for c in cmd], cwd=cwd, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        raise RuntimeError(f"{cmd[0]} exited {done.returncode}:\n{done.stdout}")
    return done.stdout


def build_wheel(root: Path, dist: Path) -> Path:
    _run([sys.executable, "-m", "build", "--wheel", "--outdir", dist, root], cwd=root)
    wheels = sorted(dist.glob("gpu_platform-*.whl"))
    if len(wheels) != 1:
        raise RuntimeError(f"expected one wheel in {dist}, found {[w.name for w in wheels]}")
    return wheels[0]


def missing_from_wheel(root: Path, wheel: Path) -> list[str]:
    """Package files of the source tree (modules and data, not caches) that the wheel does not hold."""
    with zipfile.ZipFile(wheel) as zf:
        held = set(zf.namelist())
    source = root / "gpu_platform"
    files = (p for p in source.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")
    return sorted(rel for rel in (p.relative_to(root).as_posix() for p in files) if rel not in held)


def check_installed(wheel: Path, stack_file: Path, tmp: Path) -> None:
    env_dir, work, out_dir = tmp / "venv", tmp / "elsewhere", tmp / "plan"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python, cli = env_dir / "bin" / "python", env_dir / "bin" / "gpu-platform"
    _run([python, "-m", "pip", "install", "--disable-pip-version-check", "--progress-bar", "off", wheel], cwd=tmp)
    work.mkdir()
    stack = work / stack_file.name
    shutil.copy(stack_file, stack)
    where = _run([python, "-c", "import gpu_platform; print(gpu_platform.__file__)"], cwd=work)
    if str(env_dir) not in where:
        raise RuntimeError(f"gpu_platform imported from {where.strip()}, not from the installed wheel")
    _step(_run([cli, "--version"], cwd=work).strip())
    listed = _run([cli, "--help"], cwd=work)
    exposed = [w for w in MAINTAINER_WORDS if w in listed]
    if exposed:
        raise RuntimeError(f"the installed gpu-platform --help lists maintainer commands {exposed}:\n{listed}")
    _run([cli, "validate", "--stack", stack], cwd=work)
    _run([cli, "plan", "--stack", stack, "--out", out_dir], cwd=work)
    if not (out_dir / "plan.json").is_file():
        raise RuntimeError(f"gpu-platform plan wrote no {out_dir / 'plan.json'}")


def wheel_test(root: Path, keep: bool = False) -> int:
    tmp = Path(tempfile.mkdtemp(prefix="gpu-platform-wheel-"))
    try:
        wheel = build_wheel(root, tmp / "dist")
        missing = missing_from_wheel(root, wheel)
        if missing:
            raise RuntimeError(f"{wheel.name} lacks {missing}")
        check_installed(wheel, root / "stacks" / "Pulumi.dev.yaml", tmp)
    except RuntimeError as exc:
        error(str(exc))
        return EXIT_FAIL
    finally:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)
    _step(f"[green]✓[/] {wheel.name} installs into a fresh venv and plans a stack outside the repository")
    return EXIT_OK
