"""One web form per category; numbers the customer names are checked against what they may see."""

from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from billing.models import Invoice
from contracts.models import Contract
from csol.core.uploads import SERVICE_ATTACHMENTS, validate_uploads
from csol.servicedesk.models import CHANGE_TYPES, CORRECTIONS, Category, Desk, Priority, Status
from inventory.models import InventoryRecord
from orders.models import Order


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field, checked together by the one upload validator (size, count, type)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,.csv,.xlsx"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        files = [super(MultipleFileField, self).clean(f, initial) for f in files]
        types = validate_uploads(files, SERVICE_ATTACHMENTS)
        return list(zip(files, types, strict=True))


ATTACHMENT_HELP = _("Up to 5 files of 10 MB at most: PDF, PNG, JPEG, CSV or Excel (.xlsx).")


class AttachmentsMixin(forms.Form):
    attachments = MultipleFileField(label=_("Attachments"), help_text=ATTACHMENT_HELP)

    room = None  # set by the view: how many more files the request may hold

    def clean_attachments(self):
        files = self.cleaned_data["attachments"]
        if self.room is not None and len(files) > self.room:
            raise ValidationError(
                _("This request already holds the most attachments it may have (%(room)d more allowed).")
                % {"room": self.room},
                code="file_count",
            )
        return files


class ServiceRequestForm(AttachmentsMixin, forms.Form):
    """The fields every category shares; subclasses add theirs and the objects they link."""

    category: str = Category.GENERAL
    detail_fields: tuple[str, ...] = ()

    customer = forms.ModelChoiceField(label=_("Customer"), queryset=None, empty_label=None)
    subject = forms.CharField(label=_("Subject"), max_length=150)
    description = forms.CharField(
        label=_("Describe your request"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6})
    )

    field_order = ["customer", "subject"]

    def __init__(self, *args, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        self.viewer = viewer
        self.links: dict = {}
        customers = viewer.customers_for("service_request").order_by("legal_name")
        self.fields["customer"].queryset = customers
        self.fixed_customer = None
        if viewer.active_customer_id is not None:
            # Acting for one customer (always so for customer users): no choice to make.
            self.fixed_customer = customers.first()
            del self.fields["customer"]
        self.order_fields([*self.field_order, *self.detail_fields, "description", "attachments"])

    def clean(self):
        cleaned = super().clean()
        if self.fixed_customer is not None:
            cleaned["customer"] = self.fixed_customer
        return cleaned

    def clean_subject(self):
        return _not_blank(self.cleaned_data["subject"])

    def clean_description(self):
        return _not_blank(self.cleaned_data["description"])

    def visible(self, queryset):
        """Rows of the chosen customer the requester may see: another customer's are "not found"."""
        customer = self.cleaned_data.get("customer")
        if customer is None:
            return queryset.none()
        return queryset.visible_to(self.viewer).filter(customer=customer)

    def link_invoice(self, cleaned: dict) -> dict:
        """Link the invoice named in `invoice_number`, if any; unknown and not-yours read the same."""
        number = (cleaned.get("invoice_number") or "").strip()
        if number:
            invoice = self.visible(Invoice.objects).filter(number__iexact=number).first()
            if invoice is None:
                self.add_error(
                    "invoice_number",
                    _("We found no invoice %(number)s for this customer.") % {"number": number},
                )
            else:
                cleaned["invoice_number"] = invoice.number
                self.links["invoice"] = invoice
        return cleaned

    def link_contract(self, cleaned: dict) -> dict:
        """Link the contract named in `contract_number`, if any."""
        number = (cleaned.get("contract_number") or "").strip()
        if number:
            contract = self.visible(Contract.objects).filter(number__iexact=number).first()
            if contract is None:
                self.add_error(
                    "contract_number",
                    _("We found no contract %(number)s for this customer.") % {"number": number},
                )
            else:
                cleaned["contract_number"] = contract.number
                self.links["contract"] = contract
        return cleaned

    def details(self) -> dict:
        """The category fields, as text, kept with the request (choices as their key)."""
        values = {}
        for name in self.detail_fields:
            value = self.cleaned_data.get(name)
            if value in (None, ""):
                continue
            values[name] = str(value)
        return values


def _not_blank(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValidationError(_("This field is required."), code="required")
    return value


def _reference_field(label, help_text="", required=True):
    return forms.CharField(label=label, max_length=40, required=required, help_text=help_text)


class BillingQuestionForm(ServiceRequestForm):
    category = Category.BILLING
    detail_fields = ("invoice_number",)
    invoice_number = _reference_field(_("Invoice number"), _("As printed on the invoice."))

    def clean(self):
        return self.link_invoice(super().clean())


class OrderStatusForm(ServiceRequestForm):
    category = Category.ORDER_STATUS
    detail_fields = ("order_reference",)
    order_reference = _reference_field(
        _("Order or PO number"), _("Our order number or your purchase order number.")
    )

    def clean(self):
        cleaned = super().clean()
        reference = (cleaned.get("order_reference") or "").strip()
        if reference:
            order = (
                self.visible(Order.objects)
                .filter(Q(number__iexact=reference) | Q(po_number__iexact=reference))
                .order_by("-created_at", "-id")
                .first()
            )
            if order is None:
                self.add_error(
                    "order_reference",
                    _("We found no order or PO %(number)s for this customer.") % {"number": reference},
                )
            else:
                self.links["order"] = order
        return cleaned


class ContractAdministrationForm(ServiceRequestForm):
    category = Category.CONTRACT
    detail_fields = ("contract_number", "change_type")
    contract_number = _reference_field(_("Contract number"))
    change_type = forms.ChoiceField(
        label=_("Change requested"),
        choices=CHANGE_TYPES,
    )

    def clean(self):
        return self.link_contract(super().clean())


class InventoryCorrectionForm(ServiceRequestForm):
    category = Category.INVENTORY
    detail_fields = ("serial_number", "machine_type", "field_to_correct", "correct_value")
    serial_number = _reference_field(_("Serial number"))
    machine_type = forms.CharField(
        label=pgettext_lazy("inventory record", "Machine type"),
        max_length=8,
        required=False,
        help_text=_("Needed only when two machines share the serial number."),
    )
    field_to_correct = forms.ChoiceField(
        label=_("What is wrong"),
        choices=CORRECTIONS,
    )
    correct_value = forms.CharField(label=_("Correct information"), max_length=200)

    def clean_correct_value(self):
        return _not_blank(self.cleaned_data["correct_value"])

    def clean(self):
        cleaned = super().clean()
        serial = (cleaned.get("serial_number") or "").strip()
        machine_type = (cleaned.get("machine_type") or "").strip()
        if serial:
            records = self.visible(InventoryRecord.objects).filter(serial_number__iexact=serial)
            if machine_type:
                records = records.filter(machine_type__iexact=machine_type)
            found = list(records[:2])
            if not found:
                self.add_error(
                    "serial_number",
                    _("We found no record with serial number %(number)s for this customer.")
                    % {"number": serial},
                )
            elif len(found) > 1:
                self.add_error(
                    "machine_type", _("Several machines have this serial number: give the machine type.")
                )
            else:
                self.links["inventory_record"] = found[0]
        return cleaned


class LicenceQuestionForm(ServiceRequestForm):
    category = Category.LICENCE
    detail_fields = ("product_name", "contract_number")
    product_name = forms.CharField(label=_("Product or licence"), max_length=120)
    contract_number = _reference_field(
        _("Contract number"), _("If the licence comes with a contract."), required=False
    )

    def clean_product_name(self):
        return _not_blank(self.cleaned_data["product_name"])

    def clean(self):
        return self.link_contract(super().clean())


class PaymentForm(ServiceRequestForm):
    category = Category.PAYMENT
    detail_fields = ("payment_date", "amount", "payment_reference", "invoice_number")
    payment_date = forms.DateField(label=_("Payment date"), widget=forms.DateInput(attrs={"type": "date"}))
    amount = forms.DecimalField(label=_("Amount"), max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    payment_reference = forms.CharField(
        label=_("Payment reference"), max_length=60, help_text=_("Cheque number, EFT or wire reference.")
    )
    invoice_number = _reference_field(
        _("Invoice number"), _("The invoice the payment is for, if one."), required=False
    )

    def clean_payment_date(self):
        day = self.cleaned_data["payment_date"]
        if day > timezone.localdate():
            raise ValidationError(_("The payment date cannot be in the future."), code="future")
        return day

    def clean_payment_reference(self):
        return _not_blank(self.cleaned_data["payment_reference"])

    def clean(self):
        return self.link_invoice(super().clean())


class GeneralQuestionForm(ServiceRequestForm):
    category = Category.GENERAL


CATEGORY_FORMS = {
    form.category: form
    for form in (
        BillingQuestionForm,
        OrderStatusForm,
        ContractAdministrationForm,
        InventoryCorrectionForm,
        LicenceQuestionForm,
        PaymentForm,
        GeneralQuestionForm,
    )
}


class ReplyForm(AttachmentsMixin, forms.Form):
    body = forms.CharField(label=_("Your message"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))

    field_order = ["body", "internal", "attachments"]

    def clean_body(self):
        return _not_blank(self.cleaned_data["body"])


class AgentReplyForm(ReplyForm):
    internal = forms.BooleanField(label=_("Internal note (never shown to the customer)"), required=False)
    then = forms.ChoiceField(
        label=_("Then"),
        required=False,
        choices=[
            ("", _("Keep the status")),
            (Status.WAITING, _("Wait for the customer's answer")),
            (Status.RESOLVED, _("Mark as resolved")),
        ],
    )

    field_order = ["body", "internal", "then", "attachments"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("internal") and cleaned.get("then") == Status.WAITING:
            # The customer never sees an internal note, so it cannot be the question they must answer.
            self.add_error("then", _("An internal note cannot put the request in wait for the customer."))
        return cleaned


class FilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *Status.choices]
    )
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("All categories")), *Category.choices]
    )
    mine = forms.BooleanField(label=_("Only my requests"), required=False)


class QueueFilterForm(forms.Form):
    desk = forms.ChoiceField(label=_("Desk"), required=False, choices=[("", _("All desks")), *Desk.choices])
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All open")), *Status.choices]
    )
    priority = forms.ChoiceField(
        label=_("Priority"), required=False, choices=[("", _("All priorities")), *Priority.choices]
    )
    assigned = forms.ChoiceField(
        label=_("Assigned"),
        required=False,
        choices=[("", _("Anyone")), ("me", _("Me")), ("none", _("Nobody"))],
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)


def agent_choices():
    return get_user_model().objects.filter(is_staff=True, is_active=True).order_by("full_name", "email")


class AssignForm(forms.Form):
    desk = forms.ChoiceField(label=_("Desk"), choices=Desk.choices)
    agent = forms.ModelChoiceField(label=_("Agent"), queryset=None, required=False, empty_label=_("Nobody"))
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = agent_choices()


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=Status.choices)
