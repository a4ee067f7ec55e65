"""Sends a user who must use a second factor, and has not in this session, to set it up or verify it."""

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import urlencode

from csol.security import policy

# Pages reachable before the second step: the steps themselves, signing out, the language switch.
OPEN_URL_NAMES = frozenset({"accounts:logout", "set_language", "healthz", "portal:contact"})
OPEN_NAMESPACES = frozenset({"security"})


class TwoFactorMiddleware:
    """Place after django_otp's OTPMiddleware (which tells whether this session was verified)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or policy.is_verified(request):
            return None
        match = request.resolver_match
        if match is None or match.namespace in OPEN_NAMESPACES or match.view_name in OPEN_URL_NAMES:
            return None
        if not policy.required_for(request):
            return None
        step = "security:verify" if policy.has_confirmed_device(user) else "security:setup"
        target = request.get_full_path() if request.method == "GET" else reverse(settings.LOGIN_REDIRECT_URL)
        return redirect(f"{reverse(step)}?{urlencode({REDIRECT_FIELD_NAME: target})}")


class NoStoreMiddleware:
    """Signed-in pages are never stored by the browser or a proxy (shared computers, back button)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
            patch_vary_headers(response, ["Cookie"])
        return response
