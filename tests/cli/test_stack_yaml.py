"""Stack YAML is read defensively: alias bombs, duplicate keys, deep nesting and syntax errors are refused with
the place and a hint, before anything walks the document."""

from __future__ import annotations

import tracemalloc

import pytest

from gpu_platform.cli import main
from gpu_platform.stack_yaml import MAX_DEPTH, StackYamlError, load

BOMB = "config:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"  {c}: &{c} [{', '.join(['*' + p] * 10)}]\n" for p, c in zip("abcdefgh", "bcdefghi")
)  # 10**9 strings once expanded


def test_an_alias_bomb_is_refused_cheaply_naming_where_it_blows_up():
    tracemalloc.start()
    with pytest.raises(StackYamlError) as info:
        load(BOMB)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 5 * 2**20  # a few MB at most, however large the expansion
    assert info.value.path == "config.e"  # 10**5 values: the first level past the bound
    assert "expands to more than 50000 values through aliases (line 6)" in info.value.message


def test_modest_anchors_still_work():
    doc = load("defaults: &d {retention: 7d}\nprod: *d\nstaging: {<<: *d, extra: 1}\n")
    assert doc["prod"] == {"retention": "7d"} and doc["staging"] == {"retention": "7d", "extra": 1}


def test_a_duplicate_key_is_refused_with_both_lines():
    with pytest.raises(StackYamlError) as info:
        load("config:\n  aws:region: us-west-2\n  aws:region: eu-west-1\n")
    assert info.value.message.startswith("duplicate key 'aws:region' at line 3 (first at line 2)")


def test_deep_nesting_names_the_field_path():
    deep = "config:\n  gpu-platform:platform:\n    models: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n"
    with pytest.raises(StackYamlError) as info:
        load(deep)
    assert info.value.path.startswith("config.gpu-platform:platform.models[0][0]")
    assert f"nested deeper than {MAX_DEPTH} levels" in info.value.message


def test_very_deep_nesting_is_refused_not_a_recursion_error():
    with pytest.raises(StackYamlError, match="nested deeper than"):
        load("x: " + "[" * 5000 + "]" * 5000)


def test_syntax_errors_show_the_line_a_caret_and_a_hint():
    with pytest.raises(StackYamlError) as info:
        load("config:\n  aws:region: us-west-2\n  tags: a: b\n")
    lines = info.value.message.splitlines()
    assert lines[0] == "broken YAML at line 3, column 10: mapping values are not allowed here"
    assert lines[1] == "      tags: a: b"
    assert lines[2].strip() == "^ a value containing ': ' must be quoted"
    assert lines[2].index("^") == lines[1].index("a: b") + 1


def test_the_cli_refuses_a_bomb_with_exit_2(tmp_path, capsys):
    path = tmp_path / "Pulumi.bomb.yaml"
    path.write_text(BOMB)
    assert main(["validate", "--stack", str(path)]) == 2
    assert "config.e: expands to more than" in capsys.readouterr().err
