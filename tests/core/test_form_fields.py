"""`{{ form.x|field }}` draws the markup crispy's bootstrap5 pack draws, for a fraction of the cost."""

import pytest
from django import forms
from django.template import engines
from django.test.html import parse_html

from billing.forms import InvoiceFilterForm
from orders.forms import OrderFilterForm

CRISPY = engines["django"].from_string(
    "{% load crispy_forms_tags %}{% for f in form %}{{ f|as_crispy_field }}{% endfor %}"
)
FIELD = engines["django"].from_string("{% load form_fields %}{% for f in form %}{{ f|field }}{% endfor %}")


class Everything(forms.Form):
    name = forms.CharField(label="Name <b>", help_text="Help <em>here</em>", max_length=5)
    count = forms.IntegerField(required=False)
    kind = forms.ChoiceField(choices=[("a", "A"), ("Group", [("b", "B & C"), ("d", "D")])])
    email = forms.EmailField(
        required=False, widget=forms.EmailInput(attrs={"placeholder": "x@y", "class": "extra"})
    )
    when = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(widget=forms.Textarea, required=False)
    secret = forms.CharField(widget=forms.PasswordInput, required=False)
    agree = forms.BooleanField(required=False)
    hidden = forms.CharField(widget=forms.HiddenInput, required=False)


FORMS = {
    "orders, unbound": lambda: OrderFilterForm(),
    "orders, values and errors": lambda: OrderFilterForm(
        {"date_from": "not-a-date", "q": 'x"<', "status": "open", "date_to": "2020-01-01"}
    ),
    "invoices, non-field error": lambda: InvoiceFilterForm(
        {"date_from": "2021-01-02", "date_to": "2021-01-01"}
    ),
    "every widget, unbound": lambda: Everything(),
    "every widget, errors": lambda: Everything(
        {"name": "far too long", "kind": "zz", "count": "x", "secret": "s3cret", "agree": "on"}
    ),
    "prefix and id format": lambda: Everything(prefix="p", auto_id="f_%s"),
}


@pytest.mark.parametrize("make", FORMS.values(), ids=FORMS.keys())
def test_same_markup_as_crispy(make):
    # Each side gets its own form: crispy writes its classes into the widgets' attributes.
    assert parse_html(FIELD.render({"form": make()})) == parse_html(CRISPY.render({"form": make()}))


def test_values_are_escaped_and_the_choice_selected():
    html = FIELD.render({"form": OrderFilterForm({"q": '"><script>', "status": "open"})})
    assert "<script>" not in html and 'value="&quot;&gt;&lt;script&gt;"' in html
    assert '<option value="open" selected>' in html


def test_a_password_is_never_written_back():
    assert "s3cret" not in FIELD.render({"form": Everything({"secret": "s3cret"})})


def test_a_constant_unbound_form_is_drawn_once_per_language():
    from django.utils import translation

    with translation.override("fr"):
        french = FIELD.render({"form": OrderFilterForm()})
    with translation.override("en"):
        english = FIELD.render({"form": OrderFilterForm()})
        again = FIELD.render({"form": OrderFilterForm()})
        bound = FIELD.render({"form": OrderFilterForm({"q": "PO-7"})})
    assert "État" in french and "Status" in english and english == again
    # A bound form is drawn each time, with what was typed.
    assert 'value="PO-7"' in bound and 'value="PO-7"' not in again
