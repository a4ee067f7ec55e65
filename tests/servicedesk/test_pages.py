"""Pages as screen readers and the CSP see them: one h1, labelled fields, captioned tables, no inline code."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from csol.servicedesk import services
from csol.servicedesk.models import Category
from tests.servicedesk.factories import PDF_BYTES, make_request, upload

pytestmark = pytest.mark.django_db


class PageAudit(HTMLParser):
    def __init__(self):
        super().__init__()
        self.h1 = 0
        self.labels_for: set[str] = set()
        self.fields: list[tuple[str, str]] = []
        self.tables = 0
        self.captions = 0
        self.th_without_scope = 0
        self.inline = []
        self.ids: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.append(a["id"])
        if "style" in a:
            self.inline.append(f"style on <{tag}>")
        if any(name.startswith("on") for name in a):
            self.inline.append(f"handler on <{tag}>")
        if tag == "script" and "src" not in a:
            self.inline.append("inline script")
        if tag == "h1":
            self.h1 += 1
        elif tag == "label" and "for" in a:
            self.labels_for.add(a["for"])
        elif tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit"):
            self.fields.append((a.get("name", ""), a.get("id", "")))
        elif tag == "table":
            self.tables += 1
        elif tag == "caption":
            self.captions += 1
        elif tag == "th" and a.get("scope") not in ("col", "row"):
            self.th_without_scope += 1


def audit(html: str) -> PageAudit:
    page = PageAudit()
    page.feed(html)
    assert page.h1 == 1
    unlabelled = [name for name, field_id in page.fields if not field_id or field_id not in page.labels_for]
    assert unlabelled == []
    assert page.tables == page.captions
    assert page.th_without_scope == 0
    assert page.inline == []
    assert len(page.ids) == len(set(page.ids)), "duplicate ids"
    return page


def test_customer_pages(customer, customer_user, customer_client, agent):
    sr = make_request(customer, customer_user, files=[(upload("a.pdf", PDF_BYTES), "application/pdf")])
    services.service_request_reply(service_request=sr, author=agent, body="Hello")
    urls = [reverse("servicedesk:list"), reverse("servicedesk:new"), sr.get_absolute_url()]
    urls += [reverse("servicedesk:create", args=[c]) for c in Category.values]
    for url in urls:
        response = customer_client.get(url)
        assert response.status_code == 200, url
        audit(response.content.decode())


def test_form_with_errors_stays_accessible(customer_client):
    response = customer_client.post(reverse("servicedesk:create", args=["payment"]), {"subject": ""})
    html = response.content.decode()
    audit(html)
    assert 'aria-invalid="true"' in html or "is-invalid" in html


def test_partner_and_agent_pages(customer, customer_user, partner_client, agent_client):
    sr = make_request(customer, customer_user)
    audit(partner_client.get(reverse("servicedesk:create", args=["general"])).content.decode())
    audit(partner_client.get(reverse("servicedesk:list")).content.decode())
    audit(agent_client.get(reverse("servicedesk:queue")).content.decode())
    audit(agent_client.get(sr.get_absolute_url()).content.decode())


@pytest.mark.parametrize(
    "html",
    [
        "<h1>a</h1><h1>b</h1>",
        '<h1>a</h1><input name="x" id="x">',
        "<h1>a</h1><table><tr><th>x</th></tr></table>",
        '<h1>a</h1><p style="color:red">x</p>',
        "<h1>a</h1><script>alert(1)</script>",
    ],
)
def test_the_audit_catches_problems(html):
    with pytest.raises(AssertionError):
        audit(html)
