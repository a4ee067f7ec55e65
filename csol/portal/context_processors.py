from django.conf import settings
from django.urls import reverse

from csol.portal.registry import areas
from csol.portal.views import switchable_customers


def shell(request):
    """Navigation, the active customer and the contact line for the base layout."""
    context = {"supplier": settings.CSOL_SUPPLIER}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not hasattr(request, "viewer"):
        return context
    viewer = request.viewer
    nav = []
    for area in areas():
        if area.visible is None or area.visible(viewer):
            nav.append({"key": area.key, "label": area.label, "url": reverse(area.url_name)})
    context["nav_areas"] = nav
    context["viewer"] = viewer
    # A callable: the template evaluates it (one query) only when the switcher is drawn.
    context["switchable_customers"] = lambda: switchable_customers(viewer)
    return context
