from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from csol.audit.context import client_ip
from csol.audit.forms import ImpersonationStartForm
from csol.audit.middleware import IMPERSONATION_SESSION_KEY
from csol.audit.models import ImpersonationSession
from csol.audit.services import impersonation_allowed, impersonation_end, impersonation_start
from csol.core.middleware import ACTIVE_CUSTOMER_SESSION_KEY


@staff_member_required
def impersonation_start_view(request, user_id):
    """Confirm, with a reason, that the agent wants to view the portal as this user."""
    user = get_object_or_404(get_user_model(), pk=user_id)
    if not impersonation_allowed(agent=request.user, user=user):
        raise Http404
    form = ImpersonationStartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            session = impersonation_start(
                agent=request.user, user=user, reason=form.cleaned_data["reason"], ip=client_ip(request)
            )
        except ValidationError as error:
            form.add_error("reason", error)
        except PermissionDenied as error:
            raise Http404 from error
        else:
            request.session[IMPERSONATION_SESSION_KEY] = session.pk
            request.session.pop(ACTIVE_CUSTOMER_SESSION_KEY, None)
            return redirect("portal:dashboard")
    return render(request, "audit/impersonation_start.html", {"target": user, "form": form})


@require_POST
def impersonation_stop_view(request):
    """Back to the agent's own view, on the user's page in the back office."""
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    session_id = request.session.pop(IMPERSONATION_SESSION_KEY, None)
    request.session.pop(ACTIVE_CUSTOMER_SESSION_KEY, None)
    session = (
        ImpersonationSession.objects.filter(pk=session_id, agent=request.user).first() if session_id else None
    )
    if session is None:
        return redirect("portal:dashboard")
    impersonation_end(session=session, ip=client_ip(request))
    messages.info(request, _("You are back in your own account."))
    return redirect(reverse("admin:core_user_change", args=[session.user_id]))
