"""Request-side audit: the acting user for every change, denied accesses, and view-as sessions."""

from django.conf import settings
from django.shortcuts import render
from django.utils import timezone

from csol.audit import context, recorder
from csol.audit.models import AuditAction, ImpersonationSession

IMPERSONATION_SESSION_KEY = "csol_impersonation"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _is_back_office(request) -> bool:
    parts = request.path_info.split("/", 3)
    return len(parts) > 2 and parts[2] == "admin" and parts[1] in dict(settings.LANGUAGES)


def _is_portal_page(request) -> bool:
    path = request.path_info
    return not (
        path.startswith(("/" + settings.STATIC_URL.lstrip("/"), "/healthz")) or _is_back_office(request)
    )


class ImpersonationMiddleware:
    """While an agent views the portal as a customer user, the Viewer is that user; nothing is written.

    Place after AuthenticationMiddleware and before csol.core.middleware.ViewerMiddleware. The back
    office (/<lang>/admin/) stays the agent's own. The few POSTs that only change what is shown
    (ending the session, signing out, language, active customer) are allowed; any other write is a 403.
    """

    allowed_url_names = frozenset(
        {"audit:impersonation_stop", "accounts:logout", "set_language", "portal:switch_customer"}
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.impersonation = None
        request.impersonated_user = None
        session_id = request.session.get(IMPERSONATION_SESSION_KEY) if hasattr(request, "session") else None
        if session_id is not None and not _is_back_office(request):
            impersonation = self._open_session(request, session_id)
            if impersonation is not None:
                request.impersonation = impersonation
                request.impersonated_user = impersonation.user
        return self.get_response(request)

    def _open_session(self, request, session_id):
        user = request.user
        if not (user.is_authenticated and user.is_staff and user.is_active):
            request.session.pop(IMPERSONATION_SESSION_KEY, None)
            return None
        impersonation = (
            ImpersonationSession.objects.select_related("user")
            .filter(pk=session_id, agent=user, ended_at__isnull=True)
            .first()
        )
        if impersonation is None or not impersonation.user.is_active:
            if impersonation is not None:
                impersonation.ended_at = timezone.now()
                impersonation.save(update_fields=["ended_at"])
            request.session.pop(IMPERSONATION_SESSION_KEY, None)
            return None
        return impersonation

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.impersonation is None or request.method in SAFE_METHODS:
            return None
        match = request.resolver_match
        name = (
            f"{match.namespace}:{match.url_name}"
            if match and match.namespace
            else getattr(match, "url_name", "")
        )
        if name in self.allowed_url_names:
            return None
        return render(request, "audit/impersonation_read_only.html", status=403)


class AuditMiddleware:
    """Sets the acting user for audit events and records denied accesses of signed-in users.

    Denied means a 403 or a 404 on a portal page (how probing another customer's objects looks), or a
    403 in the back office (an agent outside their desk's permissions).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = context.set_actor(context.RequestActor(request))
        try:
            response = self.get_response(request)
            if _is_denied(request, response.status_code):
                user = getattr(request, "user", None)
                if user is not None and user.is_authenticated:
                    recorder.record(
                        AuditAction.ACCESS_DENIED,
                        customer_id=_active_customer_id(request),
                        changes={"status": response.status_code, "method": request.method},
                        path=request.get_full_path(),
                    )
            return response
        finally:
            context.reset_actor(token)


def _is_denied(request, status: int) -> bool:
    if status == 403:
        return _is_portal_page(request) or _is_back_office(request)
    return status == 404 and _is_portal_page(request)


def _active_customer_id(request):
    viewer = getattr(request, "viewer", None)
    try:
        return viewer.active_customer_id if viewer is not None else None
    except Exception:
        return None
