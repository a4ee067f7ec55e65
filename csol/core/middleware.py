from django.utils.functional import SimpleLazyObject

from csol.core.tenancy import Viewer, viewer_for

ACTIVE_CUSTOMER_SESSION_KEY = "csol_active_customer"


def _viewer(request) -> Viewer:
    # An agent viewing the portal as a customer user (csol.audit) sees exactly what that user sees.
    user = getattr(request, "impersonated_user", None) or request.user
    return viewer_for(user, request.session.get(ACTIVE_CUSTOMER_SESSION_KEY), cached=True)


class ViewerMiddleware:
    """Puts `request.viewer` (lazy: no query until a view asks) on every request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.viewer = SimpleLazyObject(lambda: _viewer(request))
        return self.get_response(request)
