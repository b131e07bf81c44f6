"""Docs generated from code stay true."""

from __future__ import annotations

import re
from pathlib import Path

from worker.config import settings_markdown

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_configuration_table_is_generated_from_settings() -> None:
    match = re.search(r"<!-- settings:begin -->\n(.*?)\n<!-- settings:end -->", README, re.DOTALL)
    assert match is not None
    assert match.group(1) == settings_markdown()


def test_readme_starts_with_the_two_commands() -> None:
    first_block = README.split("```bash", 1)[1].split("```", 1)[0]
    assert "make serve" in first_block and "make test" in first_block
