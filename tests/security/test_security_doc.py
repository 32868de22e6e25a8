"""SECURITY.md names the test behind each claim: every name it gives must be a real test."""

from __future__ import annotations

import re
from pathlib import Path


def referenced_tests(text: str) -> list[tuple[str, str]]:
    """``(file, test)`` for every ``file::test`` in ``text``; a bare ``::test`` means the last file."""
    found: list[tuple[str, str]] = []
    last_file = ""
    for match in re.finditer(r"`(tests/[\w/]+\.py)?::(test_\w+)", text):
        last_file = match.group(1) or last_file
        found.append((last_file, match.group(2)))
    return found


def test_every_test_named_in_security_md_exists(root: Path) -> None:
    claims = referenced_tests((root / "SECURITY.md").read_text(encoding="utf-8"))
    assert len(claims) > 30, "SECURITY.md should name the tests behind its claims"
    missing = []
    for path, name in claims:
        source = root / path
        if not source.exists() or not re.search(rf"^def {name}\(", source.read_text(), re.M):
            missing.append(f"{path}::{name}")
    assert missing == []
