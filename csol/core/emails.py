"""Sending an email from a subject/text/HTML template trio in the recipient's language."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation


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
