"""The HTML of every portal page is valid (Nu Html Checker), in French and in English.

Pages are rendered with Django's test client for a customer administrator and for a partner looking
across its customers, written to a folder, and checked by ONE run of vnu.jar (the JVM takes seconds to
start, so one run for every file). A deliberately invalid canary page goes into the same run, to
prove the checker does report errors.
"""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from tests.browser.pages import PERSONAS, persona, portal_pages
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db

# Errors in other engineers' templates, reported to them (path fragment, message start → who and what).
# Each must still occur: the test fails on a stale entry, so the list empties as fixes land.
KNOWN_ERRORS: dict[tuple[str, str], str] = {}
CANARY = '<!DOCTYPE html><html lang="fr"><head><title>x</title></head><body><p><div></p></body></html>'
VNU = Path(settings.BASE_DIR) / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def vnu_errors(files: list[Path]) -> list[dict]:
    """Errors the Nu Html Checker reports on the files (one JVM for all of them)."""
    java = shutil.which("java")
    assert java, "java is missing: run scripts/install (it installs openjdk-17-jre-headless)"
    assert VNU.exists(), f"{VNU} is missing: run scripts/install (npm install)"
    run = subprocess.run(  # noqa: S603 - fixed command line, our own files
        # C1-only JIT and the serial GC: a run this short starts about three times faster so.
        [java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", str(VNU)]
        + ["--errors-only", "--format", "json"]
        + [str(file) for file in files],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return json.loads(run.stderr or '{"messages": []}')["messages"]


def test_every_portal_page_is_valid_html(request, tmp_path):
    files, reached, offered = {}, set(), set()
    for who in PERSONAS:
        looker = persona(request, who)
        found = portal_pages(looker)
        assert found.broken == {}, f"pages that fail to render for the {who}"
        client, anonymous = signed_in(looker.viewer, verified=looker.verified), Client()
        for page in found.pages:
            with translation.override(translation.get_language()):
                response = (anonymous if page.anonymous else client).get(page.path)
            assert response.status_code == 200, page.path
            file = tmp_path / (who + re.sub(r"[^a-z0-9]+", "_", page.path.lower()).rstrip("_") + ".html")
            file.write_bytes(response.content)
            files[file] = f"{who} {page.path}"
            reached.add(page.view_name)
        reached |= {view for view, _why in found.skipped.values()}
        offered |= {p.view_name for p in found.pages} | {view for view, _status in found.refused.values()}
    # Every page is checked by at least one persona (a page nobody may open would escape the checks).
    assert offered - reached == set(), "pages no persona could open"
    canary = tmp_path / "canary.html"
    canary.write_text(CANARY)

    errors = vnu_errors([canary, *files])

    assert any(e["url"].endswith("/canary.html") for e in errors), "vnu reported nothing on invalid HTML"
    report, known_seen = [], set()
    for e in errors:
        if e["url"].endswith("/canary.html"):
            continue
        where = files[Path(e["url"].removeprefix("file:"))]
        known = [key for key in KNOWN_ERRORS if key[0] in where and e["message"].startswith(key[1])]
        if known:
            known_seen.update(known)
            continue
        report.append(f"{where}:{e.get('lastLine', '?')}: {e['message']}  «{e.get('extract', '').strip()}»")
    assert report == [], "\n" + "\n".join(report)
    assert set(KNOWN_ERRORS) - known_seen == set(), "fixed: remove these from KNOWN_ERRORS"
