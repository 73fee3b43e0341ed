"""Stack files and the CLI: NAME/PATH resolution, clear errors without tracebacks, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from gpu_platform.cli import main
from gpu_platform.config import load_stack, read_stack_file, resolve_stack
from gpu_platform.spec import SpecError

REPO = Path(__file__).resolve().parents[2]
MINIMAL = {"environment": "dev", "cluster": {"name": "gpu-cli"}}


def write_stack(tmp_path: Path, platform, region="us-west-2", name="Pulumi.cli.yaml") -> Path:
    path = tmp_path / name
    config = {"gpu-platform:platform": platform}
    if region:
        config["aws:region"] = region
    path.write_text(yaml.safe_dump({"config": config}))
    return path


def test_name_resolves_to_stacks_dir_and_path_is_used_directly(tmp_path):
    name, path = resolve_stack("dev", REPO)
    assert (name, path) == ("dev", REPO / "stacks" / "Pulumi.dev.yaml")
    own = write_stack(tmp_path, MINIMAL)
    assert resolve_stack(str(own)) == ("cli", own)


def test_region_is_filled_from_aws_region_and_must_agree(tmp_path):
    _, resolved = load_stack(str(write_stack(tmp_path, MINIMAL)))
    assert resolved.spec.region == "us-west-2"
    with pytest.raises(SpecError) as info:
        load_stack(str(write_stack(tmp_path, {**MINIMAL, "region": "eu-west-1"})))
    assert info.value.problems[0][0] == "region"


def test_secure_values_become_secret_placeholders(tmp_path):
    path = tmp_path / "Pulumi.sec.yaml"
    path.write_text(yaml.safe_dump({"config": {
        "aws:region": "us-west-2",
        "gpu-platform:platform": MINIMAL,
        "gpu-platform:openaiApiKey": {"secure": "v1:abcdef"},
    }}))
    cfg = read_stack_file(str(path))
    assert cfg.values["gpu-platform:openaiApiKey"] == "[secret]"
    assert cfg.secret_keys == ("gpu-platform:openaiApiKey",)


def test_validate_ok(capsys):
    assert main(["validate", "--stack", str(REPO / "stacks" / "Pulumi.dev.yaml")]) == 0
    assert "valid" in capsys.readouterr().out


@pytest.mark.parametrize(
    "content, expected",
    [
        ("config: [unclosed\n", "broken YAML at line"),
        ("- just a list\n", "must be a mapping"),
        ("config:\n  aws:region: us-west-2\n", "gpu-platform:platform: required config key is missing"),
        (yaml.safe_dump({"config": {"aws:region": "us-west-2", "gpu-platform:platform": {**MINIMAL, "surprise": 1}}}),
         "surprise: unknown field"),
        (yaml.safe_dump({"config": {"aws:region": "us-west-2", "gpu-platform:platform": {
            **MINIMAL, "network": {"az_count": "many"}}}}), "network.az_count"),
    ],
)
def test_invalid_stack_exits_2_without_traceback(tmp_path, capsys, content, expected):
    path = tmp_path / "Pulumi.bad.yaml"
    path.write_text(content)
    for command in ("validate", "plan"):
        assert main([command, "--stack", str(path)]) == 2
        captured = capsys.readouterr()
        assert expected in captured.err
        assert "Traceback" not in captured.err + captured.out


def test_missing_stack_lists_known_stacks(capsys, monkeypatch):
    monkeypatch.chdir(REPO)
    assert main(["validate", "--stack", "nope"]) == 2
    err = capsys.readouterr().err
    assert "stack file not found" in err and "dev" in err and "prod" in err


def test_invalid_config_registers_nothing(tmp_path, capsys):
    """Bad input fails before the program runs: no partial plan is written."""
    path = write_stack(tmp_path, {**MINIMAL, "cluster": {"name": "x"}})
    out = tmp_path / "out"
    assert main(["plan", "--stack", str(path), "--out", str(out)]) == 2
    assert not out.exists()
    assert "cluster.name" in capsys.readouterr().err


def test_plan_writes_the_output_contract(tmp_path, capsys):
    path = write_stack(tmp_path, MINIMAL)
    out = tmp_path / "out"
    assert main(["plan", "--stack", str(path), "--out", str(out)]) == 0
    assert "GpuPlatform gpu-cli" in capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == ["helm", "manifests", "plan.json"]
    doc = json.loads((out / "plan.json").read_text())
    assert doc["project"] == "gpu-platform" and doc["stack"] == "cli"
    keys = {"urn", "type", "name", "parent", "custom", "provider", "dependencies", "inputs"}
    assert all(set(r) == keys for r in doc["resources"])
    urns = {r["urn"] for r in doc["resources"]}
    for r in doc["resources"]:
        assert r["parent"] is None or r["parent"] in urns
        assert set(r["dependencies"]) <= urns
    manifests = list((out / "manifests").glob("*.yaml"))
    assert manifests
    for m in manifests:
        obj = yaml.safe_load(m.read_text())
        assert obj["apiVersion"] and obj["kind"] and obj["metadata"]["name"]
    for h in (out / "helm").glob("*.yaml"):
        assert set(yaml.safe_load(h.read_text())) == {"name", "chart", "version", "repository", "namespace", "values"}
    # The kubeconfig never appears in clear text.
    text = (out / "plan.json").read_text()
    assert "certificate-authority-data" not in text and "[secret]" in text


def test_unexpected_errors_have_no_traceback_unless_debug(tmp_path, capsys, monkeypatch):
    import gpu_platform.plan.runner as runner

    def boom(*a, **k):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(runner, "run_stack", boom)
    assert main(["plan", "--stack", "dev"]) == 1
    err = capsys.readouterr().err
    assert "kaboom" in err and "Traceback" not in err
    with pytest.raises(RuntimeError):
        main(["--debug", "plan", "--stack", "dev"])


def test_a_binary_file_is_invalid_input_not_a_crash(tmp_path, capsys):
    path = tmp_path / "Pulumi.bin.yaml"
    path.write_bytes(b"\xff\xfe\x00garbage")
    assert main(["validate", "--stack", str(path)]) == 2
    err = capsys.readouterr().err
    assert "not a UTF-8 text file" in err and "Traceback" not in err


def test_a_wrong_enum_value_is_echoed(tmp_path, capsys):
    path = write_stack(tmp_path, {**MINIMAL, "environment": "production"})
    assert main(["validate", "--stack", str(path)]) == 2
    assert "environment: Input should be 'dev', 'staging' or 'prod' (got 'production')" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------------ secrets
def _stack_with(tmp_path, extra: str):
    import yaml as _yaml

    doc = _yaml.safe_load((REPO / "stacks" / "Pulumi.dev.yaml").read_text())
    text = _yaml.safe_dump(doc, sort_keys=False) + extra
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text(text)
    return path


def test_validate_lists_every_secret_the_stack_still_needs_with_the_command(tmp_path, capsys):
    from gpu_platform.cli import main

    path = _stack_with(tmp_path, "")
    assert main(["validate", "--stack", str(path)]) == 0
    out = capsys.readouterr().out
    assert ("secret not set: gpu-platform:openrouterApiKey (fallback.providers.openrouter.api_key_secret); before "
            "`pulumi up` run `pulumi config set --secret openrouterApiKey <value> -s dev`") in out.replace("\n", " ")


def test_a_secret_written_in_plain_text_is_refused(tmp_path, capsys):
    from gpu_platform.cli import main

    path = _stack_with(tmp_path, "  gpu-platform:openrouterApiKey: sk-or-plaintext\n")
    assert main(["validate", "--stack", str(path)]) == 2
    err = capsys.readouterr().err.replace("\n", " ")
    assert "gpu-platform:openrouterApiKey: is plain text but must be a secret" in err
    assert "sk-or-plaintext" not in err


def test_a_set_secret_is_not_reported(tmp_path, capsys):
    from gpu_platform.cli import main

    path = _stack_with(tmp_path, "  gpu-platform:openrouterApiKey:\n    secure: AAABAKf0b3e1aW5jb3JyZWN0\n")
    assert main(["validate", "--stack", str(path)]) == 0
    assert "secret not set" not in capsys.readouterr().out


def test_committed_stacks_hold_no_secure_values():
    """`secure:` values must be ciphertexts of the stack's own secrets provider; a committed placeholder is not one,
    and the Pulumi CLI decrypts all config before the program runs, so it would stop every `up`."""
    for path in (REPO / "stacks").glob("Pulumi.*.yaml"):
        assert "secure:" not in path.read_text(), path


# ------------------------------------------------------------------------------------------------ one CLI, releasable
USER_COMMANDS = ["validate", "plan", "check", "diff", "schema", "verify"]
MAINTAINER_WORDS = ("docs", "golden", "--write-args", "--check-args", "wheel-test")


def test_one_command_table_holds_the_user_commands_only():
    from gpu_platform.cli import COMMANDS

    assert [c.name for c in COMMANDS] == USER_COMMANDS


def test_the_installed_command_lists_no_maintainer_command(capsys):
    """pyproject's `gpu-platform` script is gpu_platform.cli:main; its --help (and every sub-command's) offers
    nothing that writes into a repository."""
    import tomllib

    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"gpu-platform": "gpu_platform.cli:main"}
    texts = []
    for argv in (["--help"], *([name, "--help"] for name in USER_COMMANDS)):
        assert main(argv) == 0
        texts.append(capsys.readouterr().out)
    listed = "\n".join(texts)
    assert all(name in texts[0] for name in USER_COMMANDS)
    assert [w for w in MAINTAINER_WORDS if w in listed] == []
    assert main(["schema", "--write-args"]) == 2


def test_maintainer_commands_are_python_m_gpu_platform_dev(capsys):
    from gpu_platform.dev import COMMANDS, main as dev

    assert [c.name for c in COMMANDS] == ["docs", "golden", "schema", "wheel-test"]
    assert dev(["docs", "--check"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_importing_the_cli_registers_nothing_and_has_no_cycle():
    """A fresh interpreter imports each CLI module on its own (no cycle through the package), and importing the
    user CLI neither imports the maintainer commands nor the engine."""
    import subprocess
    import sys

    code = ("import importlib, sys\n"
            "for m in ('gpu_platform.cli._console', 'gpu_platform.cli._dispatch', 'gpu_platform.cli._summary',\n"
            "          'gpu_platform.cli._stack', 'gpu_platform.cli._review', 'gpu_platform.cli._verify',\n"
            "          'gpu_platform.cli._package', 'gpu_platform.cli._plan', 'gpu_platform.cli'):\n"
            "    importlib.import_module(m)\n"
            "heavy = ('gpu_platform.dev', 'gpu_platform.plan', 'pulumi')\n"
            "print(sorted(m for m in sys.modules if m.startswith(heavy)))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_version_has_one_source(capsys):
    import tomllib

    import gpu_platform

    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert "version" not in project["project"] and project["project"]["dynamic"] == ["version"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "gpu_platform.__version__"}
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"gpu-platform {gpu_platform.__version__}"
    assert "Apache License" in (REPO / "LICENSE").read_text()
    assert f"## {gpu_platform.__version__}" in (REPO / "CHANGELOG.md").read_text()


@pytest.fixture(scope="module")
def dev_plan():
    from gpu_platform.plan.runner import run_stack

    return run_stack("dev")[1]


@pytest.mark.parametrize("terminal", [True, False])
def test_the_plan_summary_never_breaks_a_word_on_a_narrow_console(dev_plan, monkeypatch, terminal):
    import io

    from rich.console import Console

    from gpu_platform.cli._console import print_table
    from gpu_platform.cli._summary import summary_table
    from gpu_platform.plan.output import summarize

    monkeypatch.setenv("COLUMNS", "40")
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=terminal, color_system=None, highlight=False, soft_wrap=True)
    assert console.width == 40
    print_table(summary_table(dev_plan), console)
    lines = buf.getvalue().splitlines()
    for typ in {t for counts in summarize(dev_plan).values() for t in counts}:
        assert any(typ in line for line in lines), f"{typ} is broken across lines"
    assert max(len(line) for line in lines) > 40


def test_the_plan_summary_in_a_log_is_as_wide_as_its_widest_row(dev_plan, monkeypatch):
    import io

    from rich.console import Console

    from gpu_platform.cli._console import print_table
    from gpu_platform.cli._summary import summary_table

    monkeypatch.delenv("COLUMNS", raising=False)
    buf = io.StringIO()
    print_table(summary_table(dev_plan), Console(file=buf, color_system=None, highlight=False, soft_wrap=True))
    rows = [line for line in buf.getvalue().splitlines() if line.startswith("│")]
    # No wrapped continuation rows: every row has a type and a count.
    assert rows and all(line.rstrip(" │").split("│")[-1].strip().isdigit() for line in rows)
