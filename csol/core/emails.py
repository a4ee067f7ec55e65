"""Sending an email from a subject/text/HTML template trio in the recipient's language."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation


def portal_url(url_name: str, *, language: str, **kwargs) -> str:
    """The absolute address of a portal page in `language`, for links in emails."""
    with translation.override(language):
        path = reverse(url_name, kwargs=kwargs or None)
    return settings.CSOL_PORTAL_URL.rstrip("/") + path


def send_once(log: models.Model, **email) -> bool:
    """Save `log` (a sent-email row whose unique key names the event and recipient), then send.

    The row and the send commit together: a second run (a retry, a duplicated delivery) hits the
    unique key and sends nothing; a failed send rolls the row back so that a retry sends it.
    Returns False when the email had already gone.
    """
    try:
        with transaction.atomic():
            log.save(force_insert=True)
            send_templated_email(**email)
    except IntegrityError:
        return False
    return True


def send_templated_email(
    *, to, template: str, language: str, context: dict, attachments=(), reply_to=None, connection=None
) -> None:
    """Render `<template>_subject.txt`, `.txt` and `.html` inside the language, then send.

    `connection`: a mail connection a job opened for many emails (one is opened per email otherwise).
    """
    with translation.override(language):
        context = {**context, "supplier": settings.CSOL_SUPPLIER, "language": language}
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        text = render_to_string(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    message = EmailMultiAlternatives(
        subject, text, settings.DEFAULT_FROM_EMAIL, list(to), reply_to=reply_to, connection=connection
    )
    message.attach_alternative(html, "text/html")
    for name, content, mimetype in attachments:
        message.attach(name, content, mimetype)
    message.send()
