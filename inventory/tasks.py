"""Background jobs of the installed base: thin, take ids, re-fetch, safe to run twice."""

from celery import shared_task

from inventory.models import ChangeRequest


@shared_task(name="inventory.tasks.change_request_decision_email")
def change_request_decision_email(change_id: int) -> bool:
    """Tell the reporting administrator that their change was approved or rejected (once)."""
    from inventory.services import change_request_email_send

    change = ChangeRequest.objects.filter(pk=change_id).first()
    if change is None:
        return False
    return change_request_email_send(change=change)
