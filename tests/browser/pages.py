"""Every portal page, found through the URL resolver, as a persona sees it.

`portal_pages()` lists each customer-facing GET page: the patterns without arguments, plus the
detail pages of objects built for the persona's customer by the tenancy registry's builders. So a
page another engineer adds is checked (axe, Nu Html Checker) as soon as it is on main: no list to
keep up to date here, except the builders of URLs with arguments, which the tenancy test demands.

Each page is classified with Django's test client: an HTML 200 for the signed-in persona is checked
signed in; a page that sends a signed-in user away (the sign-in form) but answers an anonymous
visitor is checked anonymously; POST-only actions (405) and downloads (PDF, CSV) are not pages; a
403 or 404 means the page is not for this persona (another persona covers it).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.test import Client
from django.utils import translation

from tests.conftest import signed_in
from tests.tenancy.registry import Owner, customer_facing_patterns, page_kwargs, url_for


@dataclass(frozen=True)
class PortalPage:
    view_name: str
    path: str
    anonymous: bool


@dataclass
class PageSet:
    pages: list[PortalPage]
    skipped: dict[str, tuple[str, str]]  # path → (view, why it is not a page: POST only, a download)
    refused: dict[str, tuple[str, int]]  # path → (view, 403/404/redirect): not for this viewer
    broken: dict[str, int]  # path → any other status: a broken page


def _is_html(response) -> bool:
    return response.get("Content-Type", "").startswith("text/html")


def portal_pages(who: Persona, languages=("fr", "en")) -> PageSet:
    """Pages of the portal for the persona, in each language."""
    # The test client runs views in this thread, and LocaleMiddleware leaves the language of the
    # last request active: put back the one the test started with.
    with translation.override(translation.get_language()):
        return _portal_pages(who, languages)


def _portal_pages(who: Persona, languages) -> PageSet:
    owner = who.owner
    user_client, anonymous_client = signed_in(who.viewer, verified=who.verified), Client()
    kwargs_by_view = [
        (pattern.view_name, kwargs)
        for pattern in customer_facing_patterns()
        # Patterns with arguments and no builder fail the tenancy test; nothing to visit here.
        for kwargs in page_kwargs(pattern, owner)
    ]
    result = PageSet(pages=[], skipped={}, refused={}, broken={})
    for language in languages:
        for view_name, kwargs in kwargs_by_view:
            path = url_for(view_name, kwargs, language)
            response = user_client.get(path)
            anonymous = False
            if response.status_code in (301, 302):
                # The sign-in form sends a signed-in user away; an anonymous visitor sees it.
                response, anonymous = anonymous_client.get(path), True
            status = response.status_code
            if status == 405:
                result.skipped[path] = (view_name, "POST only")
            elif status == 200 and not _is_html(response):
                result.skipped[path] = (view_name, response.get("Content-Type", ""))
            elif status == 200:
                result.pages.append(PortalPage(view_name=view_name, path=path, anonymous=anonymous))
            elif status in (301, 302, 403, 404):
                result.refused[path] = (view_name, status)
            else:
                result.broken[path] = status
    return result


PERSONAS = ["administrator", "partner", "agent", "agent_signing_in"]


@dataclass(frozen=True)
class Persona:
    owner: Owner  # whose objects the detail pages show
    viewer: object  # who looks
    verified: bool | None = None  # passed two-step verification (None: agents yes, others no)


def persona(request, name: str) -> Persona:
    """A persona built from the shared fixtures of tests/conftest.py.

    administrator: a customer's administrator on their own company's pages;
    partner: a partner looking across its customers ("all my customers"), on a customer's objects;
    agent: a CSO agent on the portal (queue, a request seen from CSO's side);
    agent_signing_in: an agent between the password and the code (the two-step verification page).
    """
    fixture = request.getfixturevalue
    if name == "administrator":
        return Persona(
            Owner(customer=fixture("customer"), user=fixture("customer_user")), fixture("customer_user")
        )
    if name == "partner":
        return Persona(
            Owner(customer=fixture("other_customer"), user=fixture("other_user")), fixture("partner_user")
        )
    if name == "agent":
        return Persona(Owner(customer=fixture("customer"), user=fixture("customer_user")), fixture("agent"))
    if name == "agent_signing_in":
        from tests.browser.conftest import authenticator

        authenticator(fixture("agent"))
        owner = Owner(customer=fixture("customer"), user=fixture("customer_user"))
        return Persona(owner, fixture("agent"), verified=False)
    raise ValueError(name)
