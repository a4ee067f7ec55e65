"""Writes on contracts: status moves, billing schedules, renewals, notices, documents, renewal requests."""

from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.dates import term_end
from contracts.models import (
    IN_FORCE,
    TRANSITIONS,
    BillingFrequency,
    BillingPeriod,
    Contract,
    ContractDocument,
    ContractEvent,
    ContractStatus,
    Entitlement,
    RenewalRequest,
    RenewalRequestLine,
    RenewalRequestStatus,
)
from csol.core.money import quantize_money
from csol.core.uploads import UploadPolicy, validate_uploads

# Contract documents are PDFs only: signed contracts, schedules, amendments.
CONTRACT_DOCUMENTS = UploadPolicy(max_files=1, allowed_types=frozenset({"application/pdf"}))
PERIOD_MONTHS = {BillingFrequency.MONTHLY: 1, BillingFrequency.QUARTERLY: 3, BillingFrequency.ANNUAL: 12}


def _locked(contract: Contract) -> Contract:
    return Contract.objects.select_for_update().get(pk=contract.pk)


def _event(contract, *, actor, note="", from_status="", to_status=""):
    return ContractEvent.objects.create(
        contract=contract, actor=actor, note=str(note)[:250], from_status=from_status, to_status=to_status
    )


def contract_transition(*, contract: Contract, to: str, actor=None, note: str = "") -> Contract:
    """Move a contract to status `to` if TRANSITIONS allows it; lock, save, write the event."""
    with transaction.atomic():
        locked = _locked(contract)
        if to not in TRANSITIONS[locked.status]:
            raise ValidationError(
                _("Contract %(number)s cannot go from %(from)s to %(to)s.")
                % {
                    "number": locked.number,
                    "from": ContractStatus(locked.status).label,
                    "to": ContractStatus(to).label,
                },
                code="bad_transition",
            )
        previous = locked.status
        locked.status = to
        locked.save(update_fields=["status"])
        _event(locked, actor=actor, note=note, from_status=previous, to_status=to)
    contract.status = to
    return locked


def contract_create(*, actor, contacts=(), **fields) -> Contract:
    """A new draft contract (agents, back office)."""
    with transaction.atomic():
        contract = Contract(status=ContractStatus.DRAFT, **fields)
        contract.full_clean()
        contract.save()
        if contacts:
            contract.contacts.set(contacts)
        _event(contract, actor=actor, to_status=ContractStatus.DRAFT, note=_("Contract created"))
    return contract


def contract_activate(*, contract: Contract, actor) -> Contract:
    """Put a draft contract in force and lay out its billing schedule."""
    with transaction.atomic():
        contract = contract_transition(contract=contract, to=ContractStatus.ACTIVE, actor=actor)
        billing_schedule_generate(contract=contract)
    return contract


def billing_schedule_plan(contract: Contract) -> list[tuple[date, date, Decimal]]:
    """(start, end, amount) of each billing period of the term; a short last period is prorated by days."""
    if contract.billing_frequency == BillingFrequency.UPFRONT:
        return [(contract.start_date, contract.end_date, quantize_money(contract.amount_per_period))]
    months = PERIOD_MONTHS[contract.billing_frequency]
    periods = []
    start = contract.start_date
    index = 1
    while start <= contract.end_date:
        # Period ends are counted from the term start, so a term starting on the 1st bills calendar months.
        full_end = term_end(contract.start_date, index * months)
        end = min(full_end, contract.end_date)
        amount = contract.amount_per_period
        if end < full_end:
            amount = amount * Decimal((end - start).days + 1) / Decimal((full_end - start).days + 1)
        periods.append((start, end, quantize_money(amount)))
        start = end + timedelta(days=1)
        index += 1
    return periods


def billing_schedule_generate(*, contract: Contract) -> list[BillingPeriod]:
    """Create the missing billing periods of the term (safe to run twice); each is invoiced in advance."""
    existing = set(contract.billing_periods.values_list("start_date", flat=True))
    new = [
        BillingPeriod(contract=contract, start_date=start, end_date=end, due_on=start, amount=amount)
        for start, end, amount in billing_schedule_plan(contract)
        if start not in existing
    ]
    BillingPeriod.objects.bulk_create(new)
    return new


def contract_terminate(*, contract: Contract, actor, on: date, reason: str) -> Contract:
    """End a contract early; billing periods starting after `on` and not yet invoiced are withdrawn."""
    if not reason.strip():
        raise ValidationError(_("Give the reason for the termination."), code="reason_required")
    with transaction.atomic():
        contract = contract_transition(
            contract=contract, to=ContractStatus.TERMINATED, actor=actor, note=reason
        )
        contract.terminated_on = on
        contract.save(update_fields=["terminated_on"])
        contract.billing_periods.filter(start_date__gt=on, invoice_line__isnull=True).delete()
    return contract


def term_months(contract: Contract) -> int:
    """Length of the contract's term in whole months (12 for a year ending the day before its anniversary)."""
    after = contract.end_date + timedelta(days=1)
    months = (after.year - contract.start_date.year) * 12 + after.month - contract.start_date.month
    if months >= 1 and term_end(contract.start_date, months) == contract.end_date:
        return months
    return max(1, round(((contract.end_date - contract.start_date).days + 1) / 30.4375))


def _renewal_number(contract: Contract) -> str:
    root = contract.number if contract.term_number == 1 else contract.number.rsplit("-", 1)[0]
    return f"{root}-{contract.term_number + 1}"


def contract_renew(
    *,
    contract: Contract,
    actor=None,
    months: int | None = None,
    amount_per_period: Decimal | None = None,
    quantities: dict[int, int] | None = None,
    note: str = "",
) -> Contract:
    """Renew a contract: a new term linked to the old one (`previous`), in force, with its entitlements,
    covered items, contacts and billing schedule; the old term becomes renewed."""
    quantities = quantities or {}
    with transaction.atomic():
        old = _locked(contract)
        if (
            ContractStatus.RENEWED not in TRANSITIONS[old.status]
            or Contract.objects.filter(previous=old).exists()
        ):
            raise ValidationError(
                _("Contract %(number)s cannot be renewed.") % {"number": old.number}, code="not_renewable"
            )
        start = old.end_date + timedelta(days=1)
        new = Contract.objects.create(
            number=_renewal_number(old),
            customer_id=old.customer_id,
            kind=old.kind,
            description=old.description,
            start_date=start,
            end_date=term_end(start, months or term_months(old)),
            status=ContractStatus.DRAFT,
            service_level=old.service_level,
            billing_frequency=old.billing_frequency,
            amount_per_period=old.amount_per_period if amount_per_period is None else amount_per_period,
            auto_renew=old.auto_renew,
            notice_days=old.notice_days,
            previous=old,
            term_number=old.term_number + 1,
        )
        _event(
            new,
            actor=actor,
            to_status=ContractStatus.DRAFT,
            note=_("Renewal of %(number)s") % {"number": old.number},
        )
        new.contacts.set(old.contacts.all())
        new.covered_records.set(old.covered_records.all())
        for entitlement in old.entitlements.all():
            Entitlement.objects.create(
                customer_id=entitlement.customer_id,
                contract=new,
                product_id=entitlement.product_id,
                metric=entitlement.metric,
                quantity=quantities.get(entitlement.pk, entitlement.quantity),
                term_start=new.start_date if entitlement.term_end else entitlement.term_start,
                term_end=new.end_date if entitlement.term_end else None,
                licence_key=entitlement.licence_key,
                granted_by=actor or entitlement.granted_by,
                renewed_from=entitlement,
            )
        contract_transition(
            contract=old,
            to=ContractStatus.RENEWED,
            actor=actor,
            note=note or _("Renewed as %(number)s") % {"number": new.number},
        )
        contract_activate(contract=new, actor=actor)
    contract.status = ContractStatus.RENEWED
    return new


def contract_give_non_renewal_notice(*, contract: Contract, actor, today: date | None = None) -> Contract:
    """Record the customer's notice not to renew an auto-renewing contract, on or before the deadline."""
    today = today or timezone.localdate()
    with transaction.atomic():
        locked = _locked(contract)
        if locked.status not in IN_FORCE or not locked.auto_renew:
            raise ValidationError(_("This contract does not renew automatically."), code="not_auto_renew")
        if locked.non_renewal_noticed_at is not None:
            raise ValidationError(_("Notice not to renew was already given."), code="already_noticed")
        if today > locked.cancellation_deadline:
            raise ValidationError(
                _("The deadline to give notice was %(deadline)s; please call us.")
                % {"deadline": locked.cancellation_deadline.isoformat()},
                code="deadline_passed",
            )
        locked.non_renewal_noticed_at = timezone.now()
        locked.non_renewal_noticed_by = actor
        locked.save(update_fields=["non_renewal_noticed_at", "non_renewal_noticed_by"])
        _event(locked, actor=actor, note=_("Notice not to renew received"))
    return locked


def renewal_request_submit(
    *,
    contract: Contract,
    actor,
    po_number: str = "",
    message: str = "",
    quantities: dict[int, int] | None = None,
) -> RenewalRequest:
    """A request to renew, for agents; `quantities` maps the contract's entitlement ids to new quantities."""
    quantities = quantities or {}
    with transaction.atomic():
        locked = _locked(contract)
        if locked.status not in IN_FORCE and locked.status != ContractStatus.EXPIRED:
            raise ValidationError(_("This contract can no longer be renewed."), code="not_renewable")
        if Contract.objects.filter(previous=locked).exists():
            raise ValidationError(_("This contract was already renewed."), code="already_renewed")
        entitlements = {e.pk: e for e in locked.entitlements.all()}
        unknown = set(quantities) - set(entitlements)
        if unknown:
            raise ValidationError(
                _("A quantity refers to a licence outside this contract."), code="unknown_entitlement"
            )
        if any(not isinstance(q, int) or q < 1 for q in quantities.values()):
            raise ValidationError(_("Quantities must be whole numbers of at least 1."), code="bad_quantity")
        try:
            with transaction.atomic():
                request = RenewalRequest.objects.create(
                    contract=locked, requested_by=actor, po_number=po_number.strip(), message=message.strip()
                )
        except IntegrityError as exc:
            raise ValidationError(
                _("A renewal request for this contract is already open."), code="already_requested"
            ) from exc
        RenewalRequestLine.objects.bulk_create(
            RenewalRequestLine(
                request=request,
                entitlement=entitlements[pk],
                current_quantity=entitlements[pk].quantity,
                requested_quantity=quantity,
            )
            for pk, quantity in sorted(quantities.items())
            if quantity != entitlements[pk].quantity
        )
        _event(locked, actor=actor, note=_("Renewal requested"))
    return request


def _locked_open_request(request: RenewalRequest) -> RenewalRequest:
    locked = RenewalRequest.objects.select_for_update().get(pk=request.pk)
    if locked.status != RenewalRequestStatus.SUBMITTED:
        raise ValidationError(_("This renewal request was already handled."), code="already_handled")
    return locked


def renewal_request_process(
    *,
    request: RenewalRequest,
    actor,
    months: int | None = None,
    amount_per_period: Decimal | None = None,
    note: str = "",
) -> Contract:
    """Turn a renewal request into a renewed term, with the quantities asked for."""
    with transaction.atomic():
        locked = _locked_open_request(request)
        quantities = {line.entitlement_id: line.requested_quantity for line in locked.lines.all()}
        new = contract_renew(
            contract=locked.contract,
            actor=actor,
            months=months,
            amount_per_period=amount_per_period,
            quantities=quantities,
        )
        locked.status = RenewalRequestStatus.PROCESSED
        locked.processed_by = actor
        locked.processed_at = timezone.now()
        locked.agent_note = note[:250]
        locked.renewed_contract = new
        locked.save(
            update_fields=["status", "processed_by", "processed_at", "agent_note", "renewed_contract"]
        )
    return new


def renewal_request_decline(*, request: RenewalRequest, actor, note: str) -> RenewalRequest:
    """Refuse a renewal request, saying why."""
    if not note.strip():
        raise ValidationError(_("Say why the request is declined."), code="reason_required")
    with transaction.atomic():
        locked = _locked_open_request(request)
        locked.status = RenewalRequestStatus.DECLINED
        locked.processed_by = actor
        locked.processed_at = timezone.now()
        locked.agent_note = note[:250]
        locked.save(update_fields=["status", "processed_by", "processed_at", "agent_note"])
        _event(locked.contract, actor=actor, note=_("Renewal request declined: %(note)s") % {"note": note})
    return locked


def contract_document_attach(*, contract: Contract, upload, title: str, actor) -> ContractDocument:
    """Store a PDF with the contract after checking it by its content."""
    validate_uploads([upload], CONTRACT_DOCUMENTS)
    document = ContractDocument(
        contract=contract,
        title=title.strip() or upload.name,
        original_name=(upload.name or "document.pdf")[:200],
        size=upload.size,
        uploaded_by=actor,
    )
    document.file.save(upload.name or "document.pdf", upload, save=False)
    document.save()
    _event(contract, actor=actor, note=_("Document attached: %(title)s") % {"title": document.title})
    return document
