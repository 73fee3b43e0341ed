"""Drive the Go control-plane harness (``tests/controlplane``): build it, start it, apply, collect, stop.

The harness is a Go program of ours plus kube-apiserver, kube-controller-manager and the operators (KServe, KEDA,
KubeRay), each built from its Go module at the pinned version. Building needs Go and the Go module proxy; the
module and build caches live under ``<repo>/.cache/go`` so later runs only relink what changed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Sequence


class ToolchainError(RuntimeError):
    """The control plane cannot be built or started here (no Go, no sources, a failed build)."""


@dataclass(frozen=True)
class Toolchain:
    """Where the harness sources, binaries and module directories are."""

    source: Path  # tests/controlplane
    bin: Path
    modules: Path  # JSON: module path -> extracted directory (CRDs, webhook manifests)
    shared: Optional[Path]  # shared/upstream, when present beside the repo

    @property
    def harness(self) -> Path:
        return self.bin / "harness"


def find_source(start: Optional[Path] = None) -> Path:
    """``tests/controlplane`` of the gpu-platform checkout this package (or ``start``) lives in."""
    candidates = [start] if start else []
    candidates += [Path.cwd(), Path(__file__).resolve().parents[2]]
    for base in candidates:
        for d in (base, *base.parents):
            src = d / "tests" / "controlplane"
            if (src / "build.sh").is_file():
                return src
    raise ToolchainError(
        "verify needs the gpu-platform source checkout (tests/controlplane with its Go modules); "
        "run it from a clone of the repository"
    )


def build(source: Optional[Path] = None, *, quiet: bool = False) -> Toolchain:
    """Build (or relink, when cached) every binary of the harness and return where they are."""
    src = find_source(source)
    if shutil.which("go") is None:
        raise ToolchainError("verify needs Go ≥ 1.26 on PATH to build the control plane (kube-apiserver, operators)")
    root = src.parents[1]
    proc = subprocess.run(
        ["bash", str(src / "build.sh")],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=None if not quiet else subprocess.PIPE,
        text=True,
    )
    if proc.returncode != 0:
        tail = (proc.stderr or "").strip().splitlines()[-15:] if quiet else []
        raise ToolchainError("building the control plane failed" + (":\n  " + "\n  ".join(tail) if tail else ""))
    info = json.loads(proc.stdout.strip().splitlines()[-1])
    shared = root.parent / "shared" / "upstream"
    return Toolchain(
        source=src, bin=Path(info["bin"]), modules=Path(info["modules"]), shared=shared if shared.is_dir() else None
    )


@dataclass(frozen=True)
class ApplyResult:
    file: str
    kind: str
    namespace: str
    name: str
    admitted: bool
    message: str

    @property
    def ref(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}" if self.namespace else f"{self.kind} {self.name}"


@dataclass(frozen=True)
class Event:
    namespace: str
    kind: str
    name: str
    reason: str
    message: str
    source: str
    count: int


def _can_isolate() -> bool:
    """Whether this process may create a network namespace (root, or CAP_SYS_ADMIN, and util-linux present)."""
    if not (shutil.which("unshare") and shutil.which("nsenter")):
        return False
    try:
        return subprocess.run(["unshare", "--net", "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


class ControlPlane:
    """A running harness: ``with ControlPlane(toolchain) as cp: cp.apply([...])``. Stopped on exit, always."""

    def __init__(self, toolchain: Toolchain, *, operators: Sequence[str] = ("kserve", "keda", "kuberay", "promop"),
                 startup_timeout: float = 300.0, keep_logs: bool = False) -> None:
        self.toolchain = toolchain
        self.operators = tuple(operators)
        self.startup_timeout = startup_timeout
        self.keep_logs = keep_logs
        self._proc: Optional[subprocess.Popen[bytes]] = None
        self._tmp: Optional[tempfile.TemporaryDirectory[str]] = None
        self.info: dict[str, Any] = {}

    @property
    def kubeconfig(self) -> str:
        return str(self.info["kubeconfig"])

    def __enter__(self) -> "ControlPlane":
        self._tmp = tempfile.TemporaryDirectory(prefix="gpu-platform-verify-")
        work = Path(self._tmp.name)
        ready = work / "ready.json"
        self._log = open(work / "harness.log", "w+b")
        args = [
            str(self.toolchain.harness), "up", "--bin", str(self.toolchain.bin), "--modules",
            str(self.toolchain.modules), "--ready", str(ready), "--work", str(work / "cluster"),
            "--operators", ",".join(self.operators), "--ttl", "45m",
        ]
        if self.toolchain.shared:
            args += ["--shared", str(self.toolchain.shared)]
        # In a network namespace of its own the control plane is reachable from nowhere else: controller-runtime's
        # webhook servers bind every interface, and this keeps them (and everything else) off the host's network.
        self._enter: list[str] = []
        if _can_isolate():
            args = ["unshare", "--net", "--", *args, "--loopback-up"]
        else:
            print("verify: cannot create a network namespace (needs root or CAP_SYS_ADMIN); the operators' webhook "
                  "servers listen on all interfaces for this run", file=sys.stderr)
        # stdin is a pipe we never write: when this process dies, the harness sees EOF and stops everything.
        self._proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + self.startup_timeout
        while not ready.exists():
            if self._proc.poll() is not None:
                self._fail("the control plane stopped while starting")
            if time.monotonic() > deadline:
                self._fail(f"the control plane did not start in {self.startup_timeout:.0f}s")
            time.sleep(0.2)
        self.info = json.loads(ready.read_text())
        if args[0] == "unshare":
            self._enter = ["nsenter", f"--net=/proc/{self.info['pid']}/ns/net", "--"]
        return self

    def _fail(self, what: str) -> None:
        self._log.flush()
        self._log.seek(0)
        tail = self._log.read().decode(errors="replace").strip().splitlines()[-20:]
        logs = self._logs_dir()
        self.__exit__(None, None, None)
        raise ToolchainError(what + ":\n  " + "\n  ".join(tail) + (f"\n  (component logs: {logs})" if logs else ""))

    def _logs_dir(self) -> Optional[str]:
        d = Path(self._tmp.name) / "cluster" / "logs" if self._tmp else None
        return str(d) if d and d.is_dir() else None

    def __exit__(self, *exc: object) -> None:
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.stdin.close()  # type: ignore[union-attr]
                try:
                    self._proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    self._proc.kill()
                    self._proc.wait()
            self._proc = None
        if self._tmp is not None:
            self._log.close()
            if self.keep_logs:
                kept = Path(tempfile.mkdtemp(prefix="gpu-platform-verify-logs-"))
                shutil.copytree(self._tmp.name, kept, dirs_exist_ok=True, ignore=shutil.ignore_patterns("etcd"))
                print(f"verify: control plane logs kept in {kept}", file=sys.stderr)
            self._tmp.cleanup()
            self._tmp = None

    def _run(self, *args: str, timeout: float = 300.0) -> list[dict[str, Any]]:
        proc = subprocess.run(
            [*self._enter, str(self.toolchain.harness), args[0], "--kubeconfig", self.kubeconfig, *args[1:]],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout,
        )
        if proc.returncode != 0:
            raise ToolchainError(f"harness {args[0]} failed: {proc.stderr.strip()}")
        return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]

    def apply(self, files: Sequence[Path]) -> list[ApplyResult]:
        """Server-side-apply every object of ``files`` in order; one result per object."""
        if not files:
            return []
        rows = self._run("apply", *[str(f) for f in files])
        return [ApplyResult(r["file"], r.get("kind", ""), r.get("namespace", ""), r.get("name", ""),
                            bool(r.get("admitted")), r.get("message", "")) for r in rows]

    def collect(self, out: Path, namespaces: Sequence[str]) -> list[Event]:
        """Write what the controllers derived to ``out/derived`` (and our objects to ``out/applied``)."""
        rows = self._run("collect", "--out", str(out), "--namespaces", ",".join(namespaces))
        return [Event(r["namespace"], r["kind"], r["name"], r["reason"], r["message"], r.get("source", ""),
                      int(r.get("count") or 1)) for r in rows]

    def apply_documents(self, docs: Sequence[dict[str, Any]]) -> list[ApplyResult]:
        """Apply objects given as dicts (environment objects such as Helm-created namespaces)."""
        import yaml

        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
            yaml.safe_dump_all(docs, f)
        try:
            return self.apply([Path(f.name)])
        finally:
            os.unlink(f.name)
