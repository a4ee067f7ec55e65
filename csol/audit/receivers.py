"""Signal receivers: audit is a concern decoupled from the domain flow, so signals fit here.

Model changes of every model in settings.AUDITED_MODELS; sign-ins, failed sign-ins and lock-outs;
the "system" actor inside Celery tasks.
"""

from axes.signals import user_locked_out
from celery.signals import task_postrun, task_prerun
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from csol.audit import context, recorder
from csol.audit.models import AuditAction


def connect_model_receivers() -> None:
    for model in recorder.audited_models():
        uid = f"csol-audit-{model._meta.label_lower}"
        pre_save.connect(recorder.on_pre_save, sender=model, dispatch_uid=f"{uid}-pre-save")
        post_save.connect(recorder.on_post_save, sender=model, dispatch_uid=f"{uid}-post-save")
        pre_delete.connect(recorder.on_pre_delete, sender=model, dispatch_uid=f"{uid}-pre-delete")
        post_delete.connect(recorder.on_post_delete, sender=model, dispatch_uid=f"{uid}-post-delete")


def _request_actor(request, user=None) -> context.Actor:
    ip = context.client_ip(request) if request is not None else None
    if user is None:
        return context.Actor(user_id=None, label="anonymous", ip=ip, source="web")
    return context.Actor(user_id=user.pk, label=user.get_username()[:150], ip=ip, source="web")


@receiver(user_logged_in, dispatch_uid="csol-audit-sign-in")
def on_signed_in(sender, request, user, **kwargs):
    recorder.record(AuditAction.SIGN_IN, obj=user, actor=_request_actor(request, user))


@receiver(user_logged_out, dispatch_uid="csol-audit-sign-out")
def on_signed_out(sender, request, user, **kwargs):
    if user is None:
        return
    recorder.record(AuditAction.SIGN_OUT, obj=user, actor=_request_actor(request, user))
    if user.is_staff:
        # Signing out also ends any view-as session the agent left open.
        from csol.audit.models import ImpersonationSession
        from csol.audit.services import impersonation_end

        ip = context.client_ip(request) if request is not None else None
        for session in ImpersonationSession.objects.filter(agent=user, ended_at__isnull=True):
            impersonation_end(session=session, ip=ip)


@receiver(user_login_failed, dispatch_uid="csol-audit-sign-in-failed")
def on_sign_in_failed(sender, credentials, request=None, **kwargs):
    # The address typed, never the password (Django already masks it in `credentials`).
    attempted = str(credentials.get("username") or credentials.get("email") or "")[:150]
    actor = _request_actor(request)
    recorder.record(
        AuditAction.SIGN_IN_FAILED,
        actor=context.Actor(user_id=None, label=attempted or "anonymous", ip=actor.ip, source="web"),
        path=getattr(request, "path", "") if request is not None else "",
    )


@receiver(user_locked_out, dispatch_uid="csol-audit-locked-out")
def on_locked_out(sender, request, username, ip_address, **kwargs):
    recorder.record(
        AuditAction.LOCKED_OUT,
        actor=context.Actor(
            user_id=None, label=str(username or "")[:150] or "anonymous", ip=ip_address, source="web"
        ),
    )


_task_tokens: dict[str, object] = {}


@task_prerun.connect(dispatch_uid="csol-audit-task-prerun")
def on_task_start(task_id=None, task=None, **kwargs):
    _task_tokens[task_id] = context.set_actor(context.Actor(user_id=None, label="system", source="task"))


@task_postrun.connect(dispatch_uid="csol-audit-task-postrun")
def on_task_end(task_id=None, **kwargs):
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        context.reset_actor(token)
