from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from csol.security import policy
from csol.security.sessions import start_session_clock


@receiver(user_logged_in, dispatch_uid="csol-security-sign-in")
def on_signed_in(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    start_session_clock(request)
    policy.remember(request, user)
