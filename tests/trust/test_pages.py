"""Every page and download a signed-in user gets is sent with `Cache-Control: no-store`, and every
HTML page with the Content-Security-Policy (no inline script or style, frame-ancestors 'none').

Table-driven from the URL resolver like the tenancy test: a page added to any app is checked here.
"""

import re

import pytest
from django.utils import translation

from tests.browser.pages import persona
from tests.conftest import signed_in
from tests.tenancy.registry import customer_facing_patterns, page_kwargs, url_for

pytestmark = pytest.mark.django_db

SCRIPT_TAG = re.compile(r"<script\b[^>]*>", re.IGNORECASE)


def _check_page(path, response) -> list[str]:
    problems = []
    if "no-store" not in response.get("Cache-Control", ""):
        problems.append(f"{path}: Cache-Control {response.get('Cache-Control')!r}")
    if not response.get("Content-Type", "").startswith("text/html"):
        return problems  # a download: the cache header is what matters
    csp = response.get("Content-Security-Policy", "")
    nonce = re.search(r"'nonce-([^']+)'", csp)
    if "frame-ancestors 'none'" not in csp or "'unsafe-inline'" in csp or nonce is None:
        return [*problems, f"{path}: CSP {csp!r}"]
    html = response.content.decode()
    for tag in SCRIPT_TAG.findall(html):
        if 'src="' not in tag or f'nonce="{nonce.group(1)}"' not in tag:
            problems.append(f"{path}: inline or unsigned script {tag}")
    if re.search(r"<[a-z][^>]*\sstyle=", html):
        problems.append(f"{path}: inline style attribute")
    if re.search(r"\son[a-z]+=\"", html):
        problems.append(f"{path}: inline event handler")
    return problems


@pytest.mark.parametrize(
    ("who", "languages"), [("administrator", ["fr", "en"]), ("partner", ["fr"]), ("agent", ["en"])]
)
def test_every_signed_in_page_and_download_is_not_stored_and_has_the_csp(request, who, languages):
    looker = persona(request, who)
    client = signed_in(looker.viewer, verified=looker.verified)
    checked, problems = 0, []
    with translation.override(translation.get_language()):
        targets = [
            url_for(pattern.view_name, kwargs, language)
            for language in languages
            for pattern in customer_facing_patterns()
            for kwargs in page_kwargs(pattern, looker.owner)
        ]
        for path in targets:
            response = client.get(path, secure=True)
            if response.status_code != 200:
                continue  # a POST-only action, a page for someone else, or the sign-in form
            checked += 1
            problems += _check_page(path, response)
    assert checked > 20
    assert problems == []
