"""Every catalogue is complete: no untranslated or fuzzy French entry, English filled from the ids."""

import subprocess
from pathlib import Path

import polib
import pytest
from django.conf import settings

CATALOGUES = sorted(
    p
    for p in Path(settings.BASE_DIR).rglob("django.po")
    if ".venv" not in p.parts and "node_modules" not in p.parts
)


def test_there_are_catalogues_for_both_languages():
    languages = {p.parts[-3] for p in CATALOGUES}
    assert {"fr", "en"} <= languages


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(settings.BASE_DIR)))
def test_catalogue_is_complete(path):
    po = polib.pofile(str(path))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert untranslated == [], f"untranslated in {path}: {untranslated[:10]}"
    assert fuzzy == [], f"fuzzy in {path}: {fuzzy[:10]}"


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(settings.BASE_DIR)))
def test_catalogue_compiles_and_placeholders_match(path):
    result = subprocess.run(
        ["msgfmt", "--check-format", "-o", "/dev/null", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(settings.BASE_DIR)))
def test_compiled_catalogue_is_current(path):
    mo = path.with_suffix(".mo")
    assert mo.exists(), f"{mo} missing: run scripts/install (compilemessages)"
    assert mo.stat().st_mtime >= path.stat().st_mtime, f"{mo} older than its .po: run compilemessages"


@pytest.mark.parametrize(
    "path", [p for p in CATALOGUES if p.parts[-3] == "en"], ids=lambda p: str(p.relative_to(settings.BASE_DIR))
)
def test_english_catalogue_says_its_message_ids(path):
    # The source strings are English: a different English msgstr is a stale fuzzy guess.
    po = polib.pofile(str(path))
    wrong = [(e.msgid, e.msgstr) for e in po if not e.obsolete and not e.msgid_plural and e.msgstr != e.msgid]
    assert wrong == [], f"{path}: {wrong[:5]}"
