"""The page shell's header, rendered once and served from the cache ("donut" caching).

The header (brand, customer switcher, language and user menus, navigation) is the same on every page
a user sees in a language, for a customer, in an area of the portal; rendering it cost about a
millisecond on each page. It is rendered with two marks in place of what changes on every request,
the CSRF token and the current path (the forms' "next"), kept in the process's memory (the "local"
cache: the key changes whenever the header would), and the marks replaced.

What the key holds is everything the header shows: the user (name, agent or not), whose access the
viewer has (its access_version changes with memberships, authorisations and customers, so the
switcher's names and the navigation follow at once), the active customer, the language and the
active area.
"""

from hashlib import blake2b

from django import template
from django.core.cache import caches
from django.template.loader import get_template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()

HEADER_TEMPLATE = "portal/_shell_header.html"
HEADER_CACHE_SECONDS = 15 * 60
# Marks no page can contain: letters the header's escaping leaves alone.
CSRF_MARK = "csolshellcsrfmark"
NEXT_MARK = "csolshellnextmark"


def header_cache_key(context) -> str:
    request = context.get("request")
    user = context.get("user")
    viewer = context.get("viewer")
    match = getattr(request, "resolver_match", None)
    parts = [context.get("LANGUAGE_CODE"), match.app_name if match else "", context.get("dashboard_active")]
    if user is not None and user.is_authenticated:
        parts += [user.pk, user.get_full_name(), user.is_staff]
    if viewer:
        # The viewer's user: the signed-in user, or the customer user an agent views the portal as.
        parts += [viewer.access_key, viewer.active_customer_id]
    digest = blake2b("\x1f".join(map(str, parts)).encode(), digest_size=16).hexdigest()
    return f"csol:shell-header:{digest}"


@register.simple_tag(takes_context=True)
def shell_header(context):
    key = header_cache_key(context)
    html = caches["local"].get(key)
    if html is None:
        with context.push(csrf_token=CSRF_MARK, shell_next=NEXT_MARK):
            html = get_template(HEADER_TEMPLATE).template.render(context)
        caches["local"].set(key, html, HEADER_CACHE_SECONDS)
    request = context.get("request")
    token = str(context.get("csrf_token", ""))
    path = escape(request.get_full_path()) if request is not None else ""
    return mark_safe(html.replace(CSRF_MARK, token).replace(NEXT_MARK, path))  # noqa: S308 (escaped above)
