"""Links for the cost of one reverse() per process and language.

`reverse()` walks the URL resolver on each call (about 50 µs here, with the language prefixes): a
list page linking each of its rows to the row's detail page paid that 25 times, and every page
paid it for each fixed link. `url_maker("orders:detail", "number")` reverses once with a
placeholder and returns a function that puts each value in its place, quoted as `reverse()` quotes
it. It serves `<str:...>` parameters (anything without a slash) and `<int:...>` ones (digits); any
other value goes through `reverse()` itself. `reverse_once("inventory:list")` is a link without
parameters. Both remember what they reversed for the URL configuration, script prefix and
language in force (reversal_key(), which the shell's links use too).
"""

from collections.abc import Callable
from functools import lru_cache
from urllib.parse import quote

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils import translation
from django.utils.http import RFC3986_SUBDELIMS

PLACEHOLDER = "csolplaceholder0"
NUMBER_PLACEHOLDER = 90210902109021  # for <int:...>, which refuses the text above
SAFE = RFC3986_SUBDELIMS + "/~:@"  # what reverse() leaves unquoted (RFC 3986 pchar)


def reversal_key() -> tuple[str, str, str]:
    """What a reversed URL depends on besides its name: configuration, prefix and language."""
    return get_urlconf() or settings.ROOT_URLCONF, get_script_prefix(), translation.get_language()


@lru_cache(maxsize=256)
def _reversed(viewname: str, urlconf: str, script_prefix: str, language: str) -> str:
    return reverse(viewname)


def reverse_once(viewname: str) -> str:
    """`reverse(viewname)`, reversed once per process for each language."""
    return _reversed(viewname, *reversal_key())


@lru_cache(maxsize=256)
def _around_placeholder(viewname: str, kwarg: str, urlconf: str, script_prefix: str, language: str):
    """The URL's text before and after its parameter, and the test of a value it can hold as is."""
    try:
        placeholder, accepts = PLACEHOLDER, lambda text: text and "/" not in text
        url = reverse(viewname, kwargs={kwarg: placeholder})
    except NoReverseMatch:
        placeholder, accepts = str(NUMBER_PLACEHOLDER), str.isdigit
        url = reverse(viewname, kwargs={kwarg: NUMBER_PLACEHOLDER})
    before, found, after = url.partition(placeholder)
    if not found or placeholder in after:
        return None
    return before, after, accepts


def url_maker(viewname: str, kwarg: str) -> Callable[[object], str]:
    """A function of one value giving `reverse(viewname, kwargs={kwarg: value})`."""
    parts = _around_placeholder(viewname, kwarg, *reversal_key())
    if parts is None:
        return lambda value: reverse(viewname, kwargs={kwarg: value})
    before, after, accepts = parts

    def make(value) -> str:
        text = str(value)
        if not accepts(text):
            return reverse(viewname, kwargs={kwarg: value})
        return before + quote(text, safe=SAFE) + after

    return make
