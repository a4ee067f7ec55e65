"""axe-core finds no WCAG 2.1 AA violation on any portal page, in French and in English.

axe is injected with `page.evaluate()` (DevTools evaluation is not subject to the page's CSP), so
the pages run under their real Content-Security-Policy, and any script error or CSP refusal on a
page fails the test as well.
"""

from pathlib import Path

import pytest
from django.conf import settings

from tests.browser.conftest import sign_in
from tests.browser.pages import PERSONAS, persona, portal_pages

pytestmark = pytest.mark.browser

AXE_SOURCE = (Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js").read_text()
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  const where = (n) => `    at ${n.target.join(" ")}: ${n.failureSummary.replace(/\\n/g, " ")}`;
  const describe = (v) => `${v.id} (${v.impact}): ${v.help}\\n` + v.nodes.slice(0, 5).map(where).join("\\n");
  return result.violations.map(describe);
}"""


def axe_violations(page) -> list[str]:
    """Violations of WCAG 2.1 A and AA on the loaded page, one readable string each."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE)
    return page.evaluate(AXE_RUN, AXE_TAGS)


def check_pages(page, anonymous_page, pages) -> list[str]:
    failures = []
    for portal_page in pages:
        tab = anonymous_page if portal_page.anonymous else page
        tab.problems.clear()
        response = tab.goto(portal_page.path)
        assert response.status == 200, f"{portal_page.path}: {response.status}"
        failures += [f"{portal_page.path}: {v}" for v in axe_violations(tab)]
        failures += [f"{portal_page.path}: {p}" for p in tab.problems]
    return failures


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("who", PERSONAS)
def test_every_portal_page_passes_axe(request, page, anonymous_page, who, language):
    looker = persona(request, who)
    found = portal_pages(looker, languages=[language])
    assert found.broken == {}, "pages that fail to render"
    assert found.pages

    viewer = looker.viewer
    viewer.language = language
    viewer.save(update_fields=["language"])
    sign_in(page, viewer, language=language, second_step=looker.verified is not False)
    failures = check_pages(page, anonymous_page, found.pages)

    assert failures == [], "\n" + "\n".join(failures)


def test_the_checker_does_catch_a_violation(page, customer_user):
    # The harness itself: an unlabelled field added to a real page must be reported.
    sign_in(page, customer_user)
    page.evaluate("() => document.querySelector('main').append(document.createElement('input'))")
    assert any(v.startswith("label ") for v in axe_violations(page))
