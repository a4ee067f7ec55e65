"""Forms of the receivables pages. Customer forms name their fields; amounts are Decimal.

The agent's customer page shows seven forms at once (payment, write-off, credit note, note, promise,
credit hold, settings): each has its own `prefix`, so no two fields share a name or an HTML id, and
the views that receive them read the same prefix from the class.
"""

from datetime import timedelta
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collections_ar.models import CustomerCreditProfile, PaymentMethod, WriteOffReason
from collections_ar.services.remittance import REMITTANCE_FILE
from csol.core.uploads import validate_uploads

DATE_INPUT = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")
MAX_STATEMENT_DAYS = 3 * 366


def money_field(label, required=True, **kwargs):
    return forms.DecimalField(
        label=label, required=required, max_digits=14, decimal_places=2, min_value=Decimal("0.01"), **kwargs
    )


class InvoiceAmountsMixin:
    """One optional amount field per invoice (`amount_<id>`), shown as a table row each."""

    def add_invoice_fields(self, invoices, initial=None):
        self.invoices = list(invoices)
        initial = initial or {}
        for invoice in self.invoices:
            self.fields[f"amount_{invoice.pk}"] = money_field(
                _("Amount for invoice %(number)s") % {"number": invoice.number},
                required=False,
                initial=initial.get(invoice.pk),
            )

    def invoice_rows(self):
        return [(invoice, self[f"amount_{invoice.pk}"]) for invoice in self.invoices]

    def invoice_lines(self):
        data = getattr(self, "cleaned_data", {})
        return [
            (invoice, data[f"amount_{invoice.pk}"])
            for invoice in self.invoices
            if data.get(f"amount_{invoice.pk}")
        ]


class StatementPeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=DATE_INPUT)
    end = forms.DateField(label=_("To"), widget=DATE_INPUT)

    @classmethod
    def default_period(cls):
        today = timezone.localdate()
        return {"start": (today - timedelta(days=90)).replace(day=1), "end": today}

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if start > end:
                raise forms.ValidationError(_("The start of the period must come before its end."))
            if (end - start).days > MAX_STATEMENT_DAYS:
                raise forms.ValidationError(_("A statement covers at most three years."))
        return data


class RemittanceAdviceForm(InvoiceAmountsMixin, forms.Form):
    paid_on = forms.DateField(label=_("Payment date"), widget=DATE_INPUT)
    method = forms.ChoiceField(label=_("Payment method"), choices=PaymentMethod.choices)
    reference = forms.CharField(
        label=_("Payment reference"),
        max_length=60,
        help_text=_("Cheque number or transfer confirmation number."),
    )
    amount = money_field(_("Total paid"))
    note = forms.CharField(
        label=_("Message"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    attachment = forms.FileField(
        label=_("Proof of payment"), required=False, help_text=_("Optional: PDF, PNG or JPEG, up to 10 MB.")
    )

    def __init__(self, *args, invoices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.add_invoice_fields(invoices)

    def clean_paid_on(self):
        paid_on = self.cleaned_data["paid_on"]
        if paid_on > timezone.localdate():
            raise forms.ValidationError(_("The payment date cannot be in the future."))
        return paid_on

    def clean(self):
        data = super().clean()
        lines = self.invoice_lines()
        if not lines:
            raise forms.ValidationError(_("Enter the amount paid for at least one invoice."))
        if data.get("amount") is not None and sum(amount for _invoice, amount in lines) > data["amount"]:
            raise forms.ValidationError(_("The amounts per invoice add up to more than the total paid."))
        return data


class PaymentForm(forms.Form):
    prefix = "payment"

    customer_number = forms.CharField(label=_("Customer number"), max_length=20)
    received_on = forms.DateField(label=_("Date received"), widget=DATE_INPUT)
    method = forms.ChoiceField(label=_("Payment method"), choices=PaymentMethod.choices)
    amount = money_field(_("Amount"))
    reference = forms.CharField(label=_("Reference"), max_length=60, required=False)

    def clean_customer_number(self):
        from csol.core.models import Customer

        number = self.cleaned_data["customer_number"].strip().upper()
        customer = Customer.objects.filter(number=number).first()
        if customer is None:
            raise forms.ValidationError(_("No customer has this number."))
        self.customer = customer
        return number


class AllocationForm(InvoiceAmountsMixin, forms.Form):
    def __init__(self, *args, invoices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.add_invoice_fields(invoices)

    def clean(self):
        data = super().clean()
        if not self.invoice_lines():
            raise forms.ValidationError(_("Enter an amount for at least one invoice."))
        return data


class AllocationReverseForm(forms.Form):
    """An agent's reason for taking an allocation back (shown in the account's history)."""

    reason = forms.CharField(label=_("Reason for the reversal"), max_length=250)


class CreditApplyForm(forms.Form):
    prefix = "credit"

    credit_note = forms.ChoiceField(label=_("Credit note"))
    invoice = forms.ChoiceField(label=_("Invoice"))
    amount = money_field(_("Amount"), required=False, help_text=_("Empty: as much as fits."))

    def __init__(self, *args, credit_notes=(), invoices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.credit_notes = {str(n.pk): n for n in credit_notes}
        self.open_invoices = {str(i.pk): i for i in invoices}
        self.fields["credit_note"].choices = [
            (k, f"{n.number} ({n.open_amount})") for k, n in self.credit_notes.items()
        ]
        self.fields["invoice"].choices = [
            (k, f"{i.number} ({i.open_amount})") for k, i in self.open_invoices.items()
        ]


class WriteOffForm(forms.Form):
    prefix = "write_off"

    invoice = forms.ChoiceField(label=_("Invoice"))
    amount = money_field(_("Amount"))
    reason = forms.ChoiceField(label=_("Reason"), choices=WriteOffReason.choices)
    note = forms.CharField(label=_("Note"), max_length=250, required=False)

    def __init__(self, *args, invoices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.open_invoices = {str(i.pk): i for i in invoices}
        self.fields["invoice"].choices = [
            (k, f"{i.number} ({i.open_amount})") for k, i in self.open_invoices.items()
        ]


class NoteForm(forms.Form):
    prefix = "note"

    text = forms.CharField(label=_("Note"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class PromiseForm(forms.Form):
    prefix = "promise"

    promised_on = forms.DateField(label=_("Promised payment date"), widget=DATE_INPUT)
    amount = money_field(_("Amount"))
    note = forms.CharField(label=_("Note"), max_length=250, required=False)


class CreditHoldForm(forms.Form):
    prefix = "hold"

    reason = forms.CharField(label=_("Reason"), max_length=250, required=False)


class CreditProfileForm(forms.ModelForm):
    prefix = "profile"

    accepted_methods = forms.MultipleChoiceField(
        label=_("Accepted payment methods"),
        choices=PaymentMethod.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    auto_credit_hold = forms.NullBooleanField(
        label=_("Automatic credit hold"),
        required=False,
        widget=forms.Select(
            choices=[("unknown", _("Portal setting")), ("true", _("Yes")), ("false", _("No"))]
        ),
    )

    class Meta:
        model = CustomerCreditProfile
        fields = [
            "do_not_dun",
            "auto_credit_hold",
            "accepted_methods",
            "remittance_instructions",
            "annual_interest_rate",
        ]
        widgets = {"remittance_instructions": forms.Textarea(attrs={"rows": 3})}


class RemittanceUploadForm(forms.Form):
    file = forms.FileField(label=_("Bank remittance file (CSV)"))

    def clean_file(self):
        # Size and type by content through the one upload validator, before the view reads the file.
        upload = self.cleaned_data["file"]
        validate_uploads([upload], REMITTANCE_FILE)
        return upload


class LineCustomerForm(forms.Form):
    customer_number = forms.CharField(label=_("Customer number"), max_length=20)


class LineConfirmForm(InvoiceAmountsMixin, forms.Form):
    method = forms.ChoiceField(
        label=_("Payment method"), choices=PaymentMethod.choices, initial=PaymentMethod.EFT
    )

    def __init__(self, *args, invoices=(), initial_amounts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_invoice_fields(invoices, initial_amounts)
