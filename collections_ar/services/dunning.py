"""Dunning: payment reminders before the due date, on it, and after it, once per invoice and level.

The daily run picks candidates in one query (open, undisputed invoices of customers that may be
dunned, with the furthest level already recorded). For each invoice only the highest level now due
is sent; lower levels missed during downtime are recorded as skipped, never sent late. Reminder rows
are committed before the email goes out: a second run, or a crash and retry, cannot send twice.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from billing.models import DISPUTE_HOLDING_STATUSES, Dispute, DocumentKind, Invoice
from collections_ar import conf
from collections_ar.models import DunningReminder, ReminderStatus
from collections_ar.selectors import OPEN_STATUSES, account_summary, with_open_amount
from csol.core.emails import send_templated_email
from csol.core.models import CustomerStatus
from csol.core.selectors import customer_contacts

logger = logging.getLogger(__name__)
CONTACT_ROLES = ["ap", "admin"]


@dataclass
class DunningResult:
    sent: int = 0
    skipped: int = 0
    no_contact: int = 0
    emails: int = 0
    customers: set = field(default_factory=set)


def dunning_candidates(*, today: date):
    """Open, undisputed invoices that may need a reminder today (one query, by customer)."""
    cadence = conf.dunning_cadence()
    lead_days = max(0, -cadence[0][1])
    furthest = (
        DunningReminder.objects.filter(invoice=OuterRef("pk"))
        .order_by("-offset_days")
        .values("offset_days")[:1]
    )
    disputed = Dispute.objects.filter(invoice=OuterRef("pk"), status__in=DISPUTE_HOLDING_STATUSES)
    return (
        with_open_amount(
            Invoice.objects.filter(
                kind=DocumentKind.INVOICE,
                status__in=OPEN_STATUSES,
                due_date__lte=today + timedelta(days=lead_days),
                customer__status__in=(CustomerStatus.ACTIVE, CustomerStatus.CREDIT_HOLD),
            )
        )
        .filter(open_amount__gt=0)
        .exclude(customer__credit_profile__do_not_dun=True)
        .annotate(in_dispute=Exists(disputed), furthest_offset=Subquery(furthest))
        .filter(in_dispute=False)
        .select_related("customer")
        .order_by("customer_id", "due_date", "pk")
    )


def _level_due(invoice, today: date, cadence) -> tuple[tuple[str, int] | None, list[tuple[str, int]]]:
    """The highest level due for the invoice and the lower ones never recorded (to skip)."""
    days = (today - invoice.due_date).days
    due = [level for level in cadence if level[1] <= days]
    if not due:
        return None, []
    done = invoice.furthest_offset
    if done is not None and done >= due[-1][1]:
        return None, []
    missed = [level for level in due[:-1] if done is None or level[1] > done]
    return due[-1], missed


def dunning_run(*, today: date | None = None) -> DunningResult:
    """Send today's reminders, customer by customer, in each contact's language."""
    today = today or timezone.localdate()
    cadence = conf.dunning_cadence()
    result = DunningResult()
    plan: dict[int, list] = defaultdict(list)
    customers = {}
    for invoice in dunning_candidates(today=today):
        level, missed = _level_due(invoice, today, cadence)
        if level is not None:
            plan[invoice.customer_id].append((invoice, level, missed))
            customers[invoice.customer_id] = invoice.customer
    for customer_id, items in plan.items():
        _remind_customer(customers[customer_id], items, today, result)
    return result


def _remind_customer(customer, items, today, result: DunningResult) -> None:
    to_send = []
    with transaction.atomic():
        for invoice, (level, offset), missed in items:
            skipped = [
                DunningReminder(
                    invoice=invoice, level=key, offset_days=days, status=ReminderStatus.SKIPPED, run_on=today
                )
                for key, days in missed
            ]
            DunningReminder.objects.bulk_create(skipped, ignore_conflicts=True)
            result.skipped += len(skipped)
            reminder, created = DunningReminder.objects.get_or_create(
                invoice=invoice,
                level=level,
                defaults={"offset_days": offset, "status": ReminderStatus.SENDING, "run_on": today},
            )
            if created:
                to_send.append((invoice, reminder))
    if not to_send:
        return
    contacts = customer_contacts(customer=customer, roles=CONTACT_ROLES)
    ids = [reminder.pk for _invoice, reminder in to_send]
    if not contacts:
        DunningReminder.objects.filter(pk__in=ids).update(status=ReminderStatus.NO_CONTACT)
        result.no_contact += len(ids)
        logger.warning("dunning customer=%s no accounts-payable contact", customer.number)
        return
    summary = account_summary(customer=customer, as_of=today)
    lines = [
        {
            "invoice": invoice,
            "level": reminder.level,
            "days": (today - invoice.due_date).days,
            "open_amount": invoice.open_amount,
        }
        for invoice, reminder in to_send
    ]
    final = any(line["level"] == conf.dunning_cadence()[-1][0] for line in lines)
    status = ReminderStatus.SENT
    try:
        for contact in contacts:
            send_templated_email(
                to=[contact.email],
                template="collections_ar/emails/reminder",
                language=contact.language,
                context={
                    "customer": customer,
                    "contact": contact,
                    "lines": lines,
                    "summary": summary,
                    "today": today,
                    "final": final,
                    "overdue": any(line["days"] > 0 for line in lines),
                },
            )
            result.emails += 1
    except Exception:  # the rows stay, so nothing is sent twice; an agent sees the failure in admin
        logger.exception("dunning customer=%s email failed", customer.number)
        status = ReminderStatus.FAILED
    DunningReminder.objects.filter(pk__in=ids).update(status=status, recipients=[c.email for c in contacts])
    if status == ReminderStatus.SENT:
        result.sent += len(ids)
    result.customers.add(customer.pk)
