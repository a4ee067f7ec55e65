"""Session lifetime: an idle timeout and an absolute one, measured from sign-in."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.utils.translation import gettext as _

SIGNED_IN_AT = "csol_signed_in_at"
LAST_SEEN = "csol_last_seen"
# Writing the session on every request costs a query; a minute's precision is plenty for a 30-minute rule.
LAST_SEEN_RESOLUTION = 60


def start_session_clock(request) -> None:
    now = int(time.time())
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN] = now


class SessionTimeoutMiddleware:
    """Signs out a session idle for SESSION_IDLE_TIMEOUT seconds, or older than SESSION_COOKIE_AGE.

    Django's own expiry moves forward whenever the session is saved, so the absolute limit is kept
    here, from the sign-in time. Place after AuthenticationMiddleware and MessageMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            signed_in_at = request.session.get(SIGNED_IN_AT)
            last_seen = request.session.get(LAST_SEEN)
            if signed_in_at is None or last_seen is None:
                start_session_clock(request)  # a session from before this rule: start counting now
            elif (
                now - last_seen > settings.SESSION_IDLE_TIMEOUT
                or now - signed_in_at > settings.SESSION_COOKIE_AGE
            ):
                logout(request)  # flushes the session: the old cookie is worthless
                messages.info(
                    request, _("You were signed out after a period of inactivity. Please sign in again.")
                )
                return redirect_to_login(request.get_full_path())
            elif now - last_seen >= LAST_SEEN_RESOLUTION:
                request.session[LAST_SEEN] = now
        return self.get_response(request)
