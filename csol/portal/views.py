from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse, translate_url
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from csol.core.middleware import ACTIVE_CUSTOMER_SESSION_KEY
from csol.core.models import Customer, Language
from csol.core.services.memberships import user_set_language
from csol.portal.registry import areas


def _safe_next(request, fallback="/"):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


@login_required
def dashboard(request):
    """What each area holds for the active customer, with the next actions."""
    viewer = request.viewer
    cards = []
    for area in areas():
        if area.dashboard_card and (area.visible is None or area.visible(viewer)):
            card = area.dashboard_card(viewer)
            if card is not None:
                cards.append(card)
    return render(request, "portal/dashboard.html", {"cards": cards})


def contact(request):
    """The telephone line stays open beside the web; anonymous visitors land here too."""
    return render(request, "portal/contact.html")


@require_POST
def set_language(request):
    """Switch language, remember it on the profile, and stay on the same page."""
    language = request.POST.get("language", "")
    if language not in Language.values:
        language = translation.get_language()
    user_set_language(user=request.user, language=language)
    target = translate_url(_safe_next(request, fallback=reverse("portal:dashboard")), language)
    response = HttpResponseRedirect(target)
    response.set_cookie("django_language", language, samesite="Lax", secure=request.is_secure(), httponly=True)
    return response


@login_required
@require_POST
def switch_customer(request):
    """Act for another of the user's customers; partners may also pick "all my customers"."""
    viewer = request.viewer
    raw = request.POST.get("customer", "")
    if raw == "" and viewer.is_partner:
        request.session.pop(ACTIVE_CUSTOMER_SESSION_KEY, None)
    else:
        try:
            customer_id = int(raw)
        except ValueError as exc:
            raise Http404 from exc
        if customer_id not in viewer.selectable_customer_ids():
            raise Http404
        request.session[ACTIVE_CUSTOMER_SESSION_KEY] = customer_id
    return HttpResponseRedirect(_safe_next(request))


def switchable_customers(viewer):
    return Customer.objects.filter(id__in=viewer.selectable_customer_ids()).only("id", "legal_name", "number")
