"""Dunning: payment reminders before the due date, on it, and after it, once per invoice and level.

The daily run picks candidates in one query (open, undisputed invoices of customers that may be
dunned, with the furthest level already recorded). For each invoice only the highest level now due
is sent; lower levels missed during downtime are recorded as skipped, never sent late. Reminder rows
are committed before the email goes out: a second run, or a crash and retry, cannot send twice.

Customers are reminded by batches, with a constant number of queries per batch whatever the number
of reminders: the rows written at once, the contacts and account summaries of all the batch's
customers read at once, one mail connection, the outcome written at once.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.mail import get_connection
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from billing.models import DISPUTE_HOLDING_STATUSES, Dispute, DocumentKind, Invoice
from collections_ar import conf
from collections_ar.models import DunningReminder, ReminderStatus
from collections_ar.selectors import OPEN_STATUSES, account_summaries, with_open_amount
from csol.core.emails import send_templated_email
from csol.core.models import CustomerStatus
from csol.core.selectors import customers_contacts

logger = logging.getLogger(__name__)
CONTACT_ROLES = ["ap", "admin"]
# Customers reminded per batch: their rows are committed together before their emails go out.
CUSTOMER_BATCH = 25


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
    customer_ids = list(plan)
    for start in range(0, len(customer_ids), CUSTOMER_BATCH):
        batch = {
            customer_id: plan[customer_id] for customer_id in customer_ids[start : start + CUSTOMER_BATCH]
        }
        _remind_customers([customers[customer_id] for customer_id in batch], batch, today, result)
    return result


def _record(batch: dict[int, list], contacts: dict[int, list], today: date) -> dict[int, list]:
    """Write the batch's reminder rows: levels missed as skipped, the level due as sending to the
    customer's contacts (or as having no contact). Returns the rows this run wrote, with their
    invoices, by customer id: a row another run wrote first is theirs, so each is sent once."""

    def row(invoice, key, days, status):
        recipients = [contact.email for contact in contacts.get(invoice.customer_id, [])]
        if status == ReminderStatus.SENDING and not recipients:
            status = ReminderStatus.NO_CONTACT
        return DunningReminder(
            invoice=invoice,
            level=key,
            offset_days=days,
            status=status,
            run_on=today,
            recipients=recipients if status != ReminderStatus.SKIPPED else [],
        )

    skipped = [
        row(invoice, key, days, ReminderStatus.SKIPPED)
        for items in batch.values()
        for invoice, _level, missed in items
        for key, days in missed
    ]
    due = [
        (invoice, row(invoice, key, days, ReminderStatus.SENDING))
        for items in batch.values()
        for invoice, (key, days), _missed in items
    ]
    with transaction.atomic():
        DunningReminder.objects.bulk_create(skipped, ignore_conflicts=True)
        try:
            with transaction.atomic():
                DunningReminder.objects.bulk_create([reminder for _invoice, reminder in due])
            written = due
        except IntegrityError:
            # Another run recorded some of these levels first: each row on its own, theirs left to them.
            written = []
            for invoice, reminder in due:
                reminder, created = DunningReminder.objects.get_or_create(
                    invoice=invoice,
                    level=reminder.level,
                    defaults={
                        "offset_days": reminder.offset_days,
                        "status": reminder.status,
                        "run_on": today,
                        "recipients": reminder.recipients,
                    },
                )
                if created:
                    written.append((invoice, reminder))
    by_customer: dict[int, list] = defaultdict(list)
    for invoice, reminder in written:
        by_customer[invoice.customer_id].append((invoice, reminder))
    return by_customer


def _remind_customers(customers: list, batch: dict[int, list], today: date, result: DunningResult) -> None:
    result.skipped += sum(len(missed) for items in batch.values() for _invoice, _level, missed in items)
    contacts = customers_contacts(customer_ids=list(batch), roles=CONTACT_ROLES)
    written = _record(batch, contacts, today)
    customers = [customer for customer in customers if customer.pk in written]
    summaries = account_summaries(customers=[c for c in customers if c.pk in contacts], as_of=today)
    # One connection for the batch, opened at the first email (a mail relay that is down fails each
    # customer's emails, as recorded on its reminders, not the run).
    connection = get_connection()
    outcome: dict[str, list[int]] = defaultdict(list)
    try:
        for customer in customers:
            status = _remind_customer(
                customer,
                written[customer.pk],
                contacts.get(customer.pk, []),
                summaries.get(customer.pk),
                today=today,
                connection=connection,
                result=result,
            )
            outcome[status] += [reminder.pk for _invoice, reminder in written[customer.pk]]
    finally:
        connection.close()
    for status in (ReminderStatus.SENT, ReminderStatus.FAILED):
        if outcome[status]:
            DunningReminder.objects.filter(pk__in=outcome[status]).update(status=status)


def _remind_customer(customer, items, contacts, summary, *, today, connection, result: DunningResult) -> str:
    """One email per contact listing the customer's reminders, in the contact's language; returns the
    reminders' status now."""
    if not contacts:
        result.no_contact += len(items)
        logger.warning("dunning customer=%s no accounts-payable contact", customer.number)
        return ReminderStatus.NO_CONTACT
    lines = [
        {
            "invoice": invoice,
            "level": reminder.level,
            "days": (today - invoice.due_date).days,
            "open_amount": invoice.open_amount,
        }
        for invoice, reminder in items
    ]
    final = any(line["level"] == conf.dunning_cadence()[-1][0] for line in lines)
    result.customers.add(customer.pk)
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
                connection=connection,
            )
            result.emails += 1
    except Exception:  # the rows stay, so nothing is sent twice; an agent sees the failure in admin
        logger.exception("dunning customer=%s email failed", customer.number)
        connection.close()  # the next customer's emails open a fresh one
        return ReminderStatus.FAILED
    result.sent += len(items)
    return ReminderStatus.SENT
