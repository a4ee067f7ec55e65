"""Links and static files' URLs worked out once per process rather than on every page.

{% url_once "app:name" %}: a link without parameters, reversed once per process and language.
{% static_once "path" %}: {% static "path" %} (the manifest's hashed name, joined to STATIC_URL),
once per process: the manifest changes only with a deployment, which restarts the processes.
"""

from functools import lru_cache

from django import template
from django.conf import settings
from django.templatetags.static import static

from csol.core.links import reverse_once

register = template.Library()


@register.simple_tag
def url_once(viewname: str) -> str:
    """What {% url viewname %} gives, without walking the URL resolver on each page."""
    return reverse_once(viewname)


@lru_cache(maxsize=64)
def _static(path: str, static_url: str, storage: str) -> str:
    return static(path)


@register.simple_tag
def static_once(path: str) -> str:
    """What {% static path %} gives (escaped as it escapes), for the page shell's assets."""
    return _static(path, settings.STATIC_URL, settings.STORAGES["staticfiles"]["BACKEND"])
