from django.conf import settings
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode


class SecureAdminSite(admin.AdminSite):
    """The back office: agents only, each signed in with a verified second factor.

    Sign-in goes through the portal's own page and its two-step verification, not the admin's form.
    """

    def has_permission(self, request):
        if not super().has_permission(request):
            return False
        if not settings.CSOL_AGENT_TWO_FACTOR:
            return True
        is_verified = getattr(request.user, "is_verified", None)
        return bool(is_verified and is_verified())

    def login(self, request, extra_context=None):
        target = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index", current_app=self.name)
        if request.user.is_authenticated and request.user.is_staff:
            # Signed in but not verified yet: the second step, then back here.
            return redirect(f"{reverse('security:verify')}?{urlencode({REDIRECT_FIELD_NAME: target})}")
        return redirect(f"{reverse('accounts:login')}?{urlencode({REDIRECT_FIELD_NAME: target})}")
