from functools import lru_cache

from django.conf import settings
from django.urls import reverse

from csol.core.links import reversal_key
from csol.portal.registry import areas
from csol.portal.views import switchable_customers

# The shell's links that take no argument (the nav areas' are added).
SHELL_URLS = {
    "dashboard": "portal:dashboard",
    "contact": "portal:contact",
    "login": "accounts:login",
    "logout": "accounts:logout",
    "password_change": "accounts:password_change",
    "set_language": "set_language",
    "switch_customer": "portal:switch_customer",
    "admin": "admin:index",
}


@lru_cache(maxsize=32)
def _shell_urls(urlconf: str, script_prefix: str, language: str) -> dict[str, str]:
    """The shell's links in a language: the same on every page, so reversed once per process."""
    urls = {key: reverse(name) for key, name in SHELL_URLS.items()}
    urls.update({f"area:{area.key}": reverse(area.url_name) for area in areas()})
    return urls


def shell(request):
    """Navigation, the active customer and the contact line for the base layout."""
    context = {"supplier": settings.CSOL_SUPPLIER}
    urls = _shell_urls(*reversal_key())
    context["shell_urls"] = urls
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not hasattr(request, "viewer"):
        return context
    viewer = request.viewer
    match = getattr(request, "resolver_match", None)
    current_app = match.app_name if match else None
    context["dashboard_active"] = bool(match and match.view_name == "portal:dashboard")
    # Callables: the template evaluates them only when it draws the header, which the shell_header
    # tag (csol/portal/templatetags/shell.py) serves from the cache on most pages.
    context["nav_areas"] = lambda: [
        {
            "key": area.key,
            "label": area.label,
            # An area registered after the cache filled is reversed here.
            "url": urls.get(f"area:{area.key}") or reverse(area.url_name),
            "active": area.key == current_app,
        }
        for area in areas()
        if area.visible is None or area.visible(viewer)
    ]
    context["viewer"] = viewer
    context["switchable_customers"] = lambda: switchable_customers(viewer)
    return context
