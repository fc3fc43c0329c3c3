"""The contract's generated stubs are fresh, and the layers import only downwards."""

from __future__ import annotations

import ast
from pathlib import Path

from protos import generate

ROOT = Path(__file__).resolve().parent.parent

# Package → packages it must never import (DESIGN §2: portico → gateway → clients + core → auth + protos).
FORBIDDEN = {
    "gateway": {"core", "portico"},
    "clients": {"core", "gateway", "portico"},
    "core": {"gateway", "clients", "portico"},
    "auth": {"core", "gateway", "clients", "portico"},
    "protos": {"core", "gateway", "clients", "auth", "portico"},
}


def test_generated_stubs_match_the_protos() -> None:
    files = generate.generate()
    out = ROOT / "protos" / "portico" / "v1"
    stale = [name for name, text in files.items() if (out / name).read_text() != text]
    assert not stale, f"stale stubs, run `make protos`: {stale}"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_layers_import_only_downwards() -> None:
    violations = []
    for package, forbidden in FORBIDDEN.items():
        for path in (ROOT / package).rglob("*.py"):
            bad = _imports(path) & forbidden
            if bad:
                violations.append(f"{path.relative_to(ROOT)} imports {sorted(bad)}")
    assert not violations, "\n".join(violations)
