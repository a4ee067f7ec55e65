"""url_maker() gives what reverse() gives, for the cost of one reverse()."""

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse, set_script_prefix
from django.utils import translation

from csol.core.links import reverse_once, url_maker


@pytest.mark.parametrize("value", ["O-2026-000123", "INV 12", "Å-été", "a&b=c?d#e", "100%", "x~y:z@w", 42])
@pytest.mark.parametrize("language", ["fr", "en"])
def test_same_url_as_reverse(value, language):
    with translation.override(language):
        assert url_maker("orders:detail", "number")(value) == reverse(
            "orders:detail", kwargs={"number": value}
        )


@pytest.mark.parametrize("value", ["a/b", ""])
def test_values_reverse_refuses_are_refused(value):
    with pytest.raises(NoReverseMatch):
        url_maker("billing:detail", "number")(value)


@pytest.mark.parametrize("value", [1, 42, "7", 10**12])
@pytest.mark.parametrize("language", ["fr", "en"])
def test_integer_parameters_give_the_url_reverse_gives(value, language):
    with translation.override(language):
        assert url_maker("inventory:detail", "pk")(value) == reverse("inventory:detail", kwargs={"pk": value})
        assert url_maker("admin:inventory_inventoryrecord_change", "object_id")(value) == reverse(
            "admin:inventory_inventoryrecord_change", kwargs={"object_id": value}
        )


@pytest.mark.parametrize("value", ["x", "-1", ""])
def test_integer_parameters_refuse_what_reverse_refuses(value):
    with pytest.raises(NoReverseMatch):
        url_maker("inventory:detail", "pk")(value)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_links_follow_the_language(language):
    with translation.override(language):
        assert reverse_once("inventory:list") == reverse("inventory:list")
        assert url_maker("inventory:detail", "pk")(5) == reverse("inventory:detail", args=[5])


@translation.override("en")
def test_links_follow_the_script_prefix():
    assert reverse_once("inventory:list").startswith("/en/")
    set_script_prefix("/portal/")
    try:
        assert reverse_once("inventory:list").startswith("/portal/en/")
        assert url_maker("inventory:detail", "pk")(5).startswith("/portal/en/")
    finally:
        set_script_prefix("/")


def test_url_once_tag():
    rendered = Template('{% load links %}{% url_once "inventory:lookup" %}').render(Context())
    assert rendered == reverse("inventory:lookup")


def test_static_once_tag_gives_what_static_gives():
    rendered = Template('{% load links %}{% static_once "csol/csol.css" %}').render(Context())
    assert rendered == Template('{% load static %}{% static "csol/csol.css" %}').render(Context())
