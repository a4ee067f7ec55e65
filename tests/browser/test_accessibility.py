"""axe-core finds no WCAG 2.1 AA violation on any portal page, in French and in English.

axe is injected with `page.evaluate()` (DevTools evaluation is not subject to the page's CSP), so
the pages run under their real Content-Security-Policy, and any script error or CSP refusal on a
page fails the test as well.
"""

from pathlib import Path

import pytest
from django.conf import settings

from tests.browser.conftest import sign_in
from tests.browser.pages import portal_pages
from tests.tenancy.registry import Owner

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
def test_every_page_of_a_customer_administrator_passes_axe(
    page, anonymous_page, customer, customer_user, language
):
    found = portal_pages(Owner(customer=customer, user=customer_user), customer_user, languages=[language])
    assert found.unreachable == {}, "pages a customer administrator cannot open"
    assert len(found.pages) >= 5

    customer_user.language = language
    customer_user.save(update_fields=["language"])
    sign_in(page, customer_user, language=language)
    failures = check_pages(page, anonymous_page, found.pages)

    assert failures == [], "\n" + "\n".join(failures)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_page_of_a_partner_across_customers_passes_axe(
    page, anonymous_page, other_customer, other_user, partner_user, language
):
    # A partner looking at "all my customers" sees lists with a customer column, and other forms.
    found = portal_pages(Owner(customer=other_customer, user=other_user), partner_user, languages=[language])
    assert set(found.unreachable.values()) <= {403, 404}, found.unreachable

    partner_user.language = language
    partner_user.save(update_fields=["language"])
    sign_in(page, partner_user, language=language)
    failures = check_pages(page, anonymous_page, found.pages)

    assert failures == [], "\n" + "\n".join(failures)


def test_the_checker_does_catch_a_violation(page, customer_user):
    # The harness itself: an unlabelled field added to a real page must be reported.
    sign_in(page, customer_user)
    page.evaluate("() => document.querySelector('main').append(document.createElement('input'))")
    assert any(v.startswith("label ") for v in axe_violations(page))
