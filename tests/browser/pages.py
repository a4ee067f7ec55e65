"""Every portal page, found through the URL resolver, as a persona sees it.

`portal_pages()` lists each customer-facing GET page: the patterns without arguments, plus the
detail pages of objects built for the persona's customer by the tenancy registry's builders. So a
page another engineer adds is checked (axe, Nu Html Checker) as soon as it is on main: no list to
keep up to date here, except the builders of URLs with arguments, which the tenancy test demands.

Each page is classified with Django's test client: an HTML 200 for the signed-in persona is checked
signed in; a page that sends a signed-in user away (the sign-in form) but answers an anonymous
visitor is checked anonymously; POST-only actions (405) and downloads (PDF, CSV) are not pages.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.conftest import signed_in
from tests.tenancy.registry import OBJECT_URLS, Owner, customer_facing_patterns


@dataclass(frozen=True)
class PortalPage:
    view_name: str
    path: str
    anonymous: bool


@dataclass
class PageSet:
    pages: list[PortalPage]
    skipped: dict[str, str]  # path → why it is not a page (POST-only action, download)
    unreachable: dict[str, int]  # path → status: a page nobody could open (a broken page or builder)


def _is_html(response) -> bool:
    return response.get("Content-Type", "").startswith("text/html")


def portal_pages(owner: Owner, viewer, languages=("fr", "en")) -> PageSet:
    """Pages of the portal for `viewer` (a user), with objects of `owner.customer`, in each language."""
    user_client, anonymous_client = signed_in(viewer), Client()
    kwargs_by_view = {}
    for pattern in customer_facing_patterns():
        if not pattern.kwargs:
            kwargs_by_view[pattern.view_name] = {}
        elif pattern.view_name in OBJECT_URLS:
            kwargs_by_view[pattern.view_name] = OBJECT_URLS[pattern.view_name](owner)
        # Patterns with arguments and no builder fail the tenancy test; nothing to visit here.

    result = PageSet(pages=[], skipped={}, unreachable={})
    for language in languages:
        for view_name, kwargs in kwargs_by_view.items():
            with translation.override(language):
                path = reverse(view_name, kwargs=kwargs or None)
            response = user_client.get(path)
            anonymous = False
            if response.status_code in (301, 302):
                response, anonymous = anonymous_client.get(path), True
            if response.status_code == 405:
                result.skipped[path] = "POST only"
            elif response.status_code == 200 and not _is_html(response):
                result.skipped[path] = response.get("Content-Type", "")
            elif response.status_code == 200:
                result.pages.append(PortalPage(view_name=view_name, path=path, anonymous=anonymous))
            else:
                result.unreachable[path] = response.status_code
    return result
