"""docs/configuration.md is generated from the pydantic models and must match them."""

from __future__ import annotations

from pathlib import Path

from gpu_platform.docs import CONFIG_DOC, configuration_markdown
from gpu_platform.spec import PlatformSpec

REPO = Path(__file__).resolve().parents[2]


def test_configuration_reference_is_up_to_date():
    assert (REPO / CONFIG_DOC).read_text() == configuration_markdown(), (
        "docs/configuration.md is stale: run `python -m gpu_platform.dev docs`"
    )


def test_every_field_is_documented():
    text = configuration_markdown()
    seen = [PlatformSpec]
    while seen:
        model = seen.pop()
        assert f"### {model.__name__}" in text
        for name, info in model.model_fields.items():
            assert info.description, f"{model.__name__}.{name} has no docstring"
            assert f"| `{name}` |" in text
            sub = info.annotation
            if isinstance(sub, type) and hasattr(sub, "model_fields"):
                seen.append(sub)


def test_each_section_documents_its_root_model():
    text = configuration_markdown()
    sections = text.split("\n## ")[1:]
    assert len(sections) >= 3
    for section in sections:
        assert "\n### " in section, f"empty section: {section.splitlines()[0]}"
    assert text.index("### ModelSpec") > text.index("## Models")
    assert text.index("### FallbackSpec") > text.index("## LLM gateway")
