"""url_maker() gives what reverse() gives, for the cost of one reverse()."""

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from csol.core.links import url_maker


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
