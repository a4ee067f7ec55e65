import base64

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice

from csol.audit import recorder
from csol.audit.models import AuditAction
from csol.security import policy
from csol.security.forms import CompanyPolicyForm, SetupForm, TokenForm
from csol.security.services import (
    backup_codes_left,
    backup_codes_regenerate,
    customer_set_two_factor_policy,
    totp_device_confirm,
    totp_device_pending,
)


def _next_url(request) -> str:
    """Only the portal's own pages: an outside address falls back to the dashboard."""
    target = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME) or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


def _qr_data_uri(text: str) -> str:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(image.to_string()).decode()


@never_cache
@login_required
def setup(request):
    """Pair an authenticator app: scan, type a code, receive backup codes (shown once)."""
    user = request.user
    verified = policy.is_verified(request)
    if policy.has_confirmed_device(user) and not verified:
        # Replacing a device needs the current one first, or a stolen password would be enough.
        return redirect(f"{reverse('security:verify')}?{request.GET.urlencode()}")
    if verified and request.method == "GET" and "new" not in request.GET:
        return render(request, "security/status.html", {"backup_codes_left": backup_codes_left(user=user)})
    device = totp_device_pending(user=user)
    form = SetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = totp_device_confirm(user=user, device=device, token=form.cleaned_data["token"])
        except ValidationError as error:
            form.add_error("token", error)
        else:
            device.refresh_from_db()
            otp_login(request, device)
            policy.remember(request, user)
            return render(
                request,
                "security/backup_codes.html",
                {"codes": codes, "next": _next_url(request), "first_time": True},
            )
    secret = base64.b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "qr": _qr_data_uri(device.config_url),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "next": _next_url(request),
    }
    return render(request, "security/setup.html", context)


@never_cache
@login_required
def verify(request):
    """The second step of signing in: a code from the app, or a backup code."""
    user = request.user
    if not policy.has_confirmed_device(user):
        return redirect(f"{reverse('security:setup')}?{request.GET.urlencode()}")
    if policy.is_verified(request):
        return redirect(_next_url(request))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_data["token"])
        if device is None:
            recorder.record(AuditAction.TWO_FACTOR_FAILED, obj=user)
            form.add_error(
                "token", _("This code is not valid. Wait for a new code in your app and try again.")
            )
        else:
            otp_login(request, device)
            if isinstance(device, StaticDevice):
                left = backup_codes_left(user=user)
                messages.warning(
                    request,
                    _("You used a backup code; %(count)d left. Make new ones from your security page.")
                    % {"count": left},
                )
            return redirect(_next_url(request))
    return render(request, "security/verify.html", {"form": form, "next": _next_url(request)})


@never_cache
@login_required
@require_POST
def backup_codes(request):
    """Replace the backup codes (the old ones stop working) and show the new ones once."""
    if not policy.is_verified(request):
        return redirect("security:verify")
    codes = backup_codes_regenerate(user=request.user)
    return render(request, "security/backup_codes.html", {"codes": codes, "next": reverse("security:setup")})


@login_required
@require_POST
def company_policy(request):
    """A company administrator requires (or stops requiring) two-step verification for its users."""
    viewer = request.viewer
    if viewer.is_agent or viewer.active_customer_id is None or not viewer.can("manage_users"):
        raise Http404
    form = CompanyPolicyForm(request.POST)
    if not form.is_valid():  # pragma: no cover - a checkbox is always valid
        return redirect("accounts:team")
    required = form.cleaned_data["require_two_factor"]
    if required and not policy.is_verified(request):
        messages.error(
            request, _("Set up two-step verification for yourself first, then require it for everyone.")
        )
        return redirect("security:setup")
    customer_set_two_factor_policy(customer=viewer.active_customer, required=required, actor=request.user)
    policy.remember(request, request.user)
    if required:
        messages.success(request, _("Every user of your company now confirms each sign-in with a code."))
    else:
        messages.success(request, _("Two-step verification is now each user's choice."))
    return redirect("accounts:team")
