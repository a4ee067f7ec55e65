"""Spreadsheet exports cannot carry formulas: every CSV goes through csol.core.csv_export, which
neutralises cells a spreadsheet would run (OWASP CSV injection)."""

import ast
from pathlib import Path

import pytest
from django.conf import settings

from csol.core.csv_export import neutralise

ROOT = Path(settings.BASE_DIR)


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(1+9)*cmd|' /C calc'!A0", "'@SUM(1+9)*cmd|' /C calc'!A0"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("-1234.56", "-1234.56"),  # a negative amount stays a number
        ("+1", "+1"),
        ("Boréal Instruments inc.", "Boréal Instruments inc."),
        (None, ""),
    ],
)
def test_cells_that_a_spreadsheet_would_run_are_quoted(cell, written):
    assert neutralise(cell) == written


def _csv_writers(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr in ("writer", "DictWriter")
        and isinstance(node.value, ast.Name)
        and node.value.id == "csv"
    ]


def test_every_csv_is_written_through_the_safe_export():
    assert _csv_writers(ROOT / "csol" / "core" / "csv_export.py")  # the scan does see a writer
    writers = []
    for path in ROOT.rglob("*.py"):
        parts = set(path.relative_to(ROOT).parts)
        if parts & {".venv", "node_modules", "tests", "bench", "migrations"} or path.name == "csv_export.py":
            continue
        writers += [f"{path.relative_to(ROOT)}:{line}" for line in _csv_writers(path)]
    assert writers == []
