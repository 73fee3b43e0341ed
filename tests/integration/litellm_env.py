"""An isolated virtualenv with the pinned LiteLLM proxy, for the integration tests (and `make litellm-venv`).

LiteLLM brings ~150 dependencies that the platform itself must not depend on, so it lives in its own venv
(`.venv-litellm`, git-ignored). The install is cached: a marker file records the pinned requirement, and a venv
whose marker matches is reused as is.

    python tests/integration/litellm_env.py      # create or reuse; prints the venv's python

The ordinary ``pip install 'litellm[proxy]==1.109.1'`` is tried first. Some package indexes (mirrors that trail
PyPI) lack exact releases LiteLLM 1.109.1 declares (``certifi>=2026.10.19``, a CA-bundle refresh, and
``litellm-proxy-extras==0.4.113``, the database migrations); then LiteLLM is installed without dependencies and its
declared dependencies are installed with only those in ``RELAXABLE`` relaxed. Every other requirement is honoured.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

LITELLM_VERSION = "1.109.1"
REQUIREMENT = f"litellm[proxy]=={LITELLM_VERSION}"
# The proxy image also ships LiteLLM's `proxy-runtime` extras; of those, the rendered config uses only the
# Prometheus callback (the wake-up signal for scaled-to-zero models). Range as LiteLLM 1.109.1 declares it.
EXTRA_REQUIREMENTS = ("prometheus-client>=0.20.0,<1.0",)
STAMP = " ".join((REQUIREMENT, *EXTRA_REQUIREMENTS))
REPO = Path(__file__).resolve().parents[2]
VENV = Path(os.environ.get("LITELLM_VENV", REPO / ".venv-litellm"))
MARKER = VENV / ".installed"
INSTALL_TIMEOUT_S = 600
# Requirements that trailing mirrors may lack at the exact version LiteLLM 1.109.1 declares, and that are safe
# to relax for a proxy without a database (name → why).
RELAXABLE = {
    "certifi": "CA bundle data only; any recent release works",
    "litellm-proxy-extras": "Prisma schema and migrations for the proxy's database; this proxy runs without one",
}


class InstallError(RuntimeError):
    """The pinned LiteLLM could not be installed (no network, no index, resolution failure)."""


def venv_python(venv: Path = VENV) -> Path:
    return venv / "bin" / "python"


def _run(cmd: list[str], timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def _pip(python: Path, *args: str, timeout: float) -> subprocess.CompletedProcess:
    return _run([str(python), "-m", "pip", "install", "--disable-pip-version-check", "--quiet", *args], timeout)


# Runs inside the LiteLLM venv: LiteLLM's declared dependencies for the `proxy` extra, markers evaluated there,
# with the relaxable floors dropped. pip's vendored `packaging` is used because the venv has nothing else yet.
_DEPS_SCRIPT = r"""
import json, sys
from importlib.metadata import requires
from pip._vendor.packaging.requirements import Requirement
relax = set(json.loads(sys.argv[1]))
out = []
for raw in requires("litellm") or []:
    req = Requirement(raw)
    if req.marker is not None and not any(req.marker.evaluate({"extra": e}) for e in ("", "proxy")):
        continue
    extras = f"[{','.join(sorted(req.extras))}]" if req.extras else ""
    spec = "" if req.name.lower() in relax else str(req.specifier)
    out.append(f"{req.name}{extras}{spec}")
print("\n".join(sorted(set(out))))
"""


def _relaxed_install(python: Path, deadline: float) -> None:
    import json

    left = lambda: max(30.0, deadline - time.monotonic())  # noqa: E731
    step = _pip(python, "--no-deps", f"litellm=={LITELLM_VERSION}", timeout=left())
    if step.returncode != 0:
        raise InstallError(f"pip install --no-deps litellm=={LITELLM_VERSION} failed:\n{step.stderr[-2000:]}")
    deps = _run([str(python), "-c", _DEPS_SCRIPT, json.dumps(sorted(RELAXABLE))], timeout=60)
    if deps.returncode != 0:
        raise InstallError(f"reading LiteLLM's dependencies failed:\n{deps.stderr[-2000:]}")
    step = _pip(python, *deps.stdout.split(), timeout=left())
    if step.returncode != 0:
        raise InstallError(f"installing LiteLLM's dependencies failed:\n{step.stderr[-2000:]}")


def ensure_litellm(venv: Path = VENV, log=print) -> Path:
    """Create (or reuse) the venv with the pinned LiteLLM proxy; return its python. Raises :class:`InstallError`."""
    python = venv_python(venv)
    marker = venv / ".installed"
    if python.exists() and marker.is_file() and marker.read_text().strip() == STAMP:
        return python
    deadline = time.monotonic() + INSTALL_TIMEOUT_S
    if not python.exists():
        made = _run([sys.executable, "-m", "venv", str(venv)], timeout=120)
        if made.returncode != 0:
            raise InstallError(f"creating {venv} failed:\n{made.stderr[-2000:]}")
    log(f"installing {REQUIREMENT} into {venv} (first run only) ...")
    try:
        plain = _pip(python, REQUIREMENT, timeout=INSTALL_TIMEOUT_S)
        if plain.returncode != 0:
            unsatisfiable = [name for name in RELAXABLE if f"requirement {name}" in plain.stderr.lower()]
            if not unsatisfiable:
                raise InstallError(f"pip install {REQUIREMENT!r} failed:\n{plain.stderr[-3000:]}")
            log(f"index lacks the {', '.join(unsatisfiable)} release LiteLLM floors on; relaxing only that floor")
            _relaxed_install(python, deadline)
        extra = _pip(python, *EXTRA_REQUIREMENTS, timeout=max(60.0, deadline - time.monotonic()))
        if extra.returncode != 0:
            raise InstallError(f"pip install {' '.join(EXTRA_REQUIREMENTS)} failed:\n{extra.stderr[-2000:]}")
        check = _run([str(python), "-c", "import litellm.proxy.proxy_server, litellm; print(litellm.__name__)"], 120)
        if check.returncode != 0:
            raise InstallError(f"LiteLLM installed but does not import:\n{check.stderr[-3000:]}")
    except subprocess.TimeoutExpired as exc:
        raise InstallError(f"installing LiteLLM timed out after {exc.timeout:.0f} s") from None
    marker.write_text(STAMP + "\n")
    return python


if __name__ == "__main__":
    try:
        print(ensure_litellm(log=lambda m: print(m, file=sys.stderr)))
    except InstallError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
