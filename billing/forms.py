from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from billing.models import BillingOptions, DisputeReason
from billing.services import dispute_amount_validate
from csol.core.uploads import DOCUMENTS, MEGABYTE


class InvoiceFilterForm(forms.Form):
    STATUS_CHOICES = [("", _("All")), ("open", _("Open")), ("overdue", _("Overdue")), ("paid", _("Paid"))]
    # Fixed choices, no per-request initial values: csol.core.templatetags.form_fields draws the
    # unbound form once per language.
    unbound_html_is_constant = True

    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)
    date_from = forms.DateField(
        label=_("Issued from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Issued until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    q = forms.CharField(label=_("Invoice or PO number"), required=False, max_length=40)

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError(_("The start date must come before the end date."))
        return data


class BillingOptionsForm(forms.ModelForm):
    class Meta:
        model = BillingOptions
        fields = ["mode", "po_required", "language", "extra_emails"]
        widgets = {"mode": forms.RadioSelect, "extra_emails": forms.Textarea(attrs={"rows": 3})}

    def clean_extra_emails(self):
        raw = self.cleaned_data.get("extra_emails", "")
        emails = [e.strip() for e in raw.replace(",", "\n").splitlines() if e.strip()]
        bad = []
        for email in emails:
            try:
                validate_email(email)
            except ValidationError:
                bad.append(email)
        if bad:
            raise ValidationError(_("These are not email addresses: %(emails)s") % {"emails": ", ".join(bad)})
        if len(emails) > 10:
            raise ValidationError(_("Give at most 10 addresses."))
        return "\n".join(dict.fromkeys(e.lower() for e in emails))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; the upload validator checks them all together."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "application/pdf,image/png,image/jpeg"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


ATTACHMENT_HELP = _("PDF, PNG or JPEG, at most %(count)d files of %(size)d MB each.") % {
    "count": DOCUMENTS.max_files,
    "size": DOCUMENTS.max_bytes // MEGABYTE,
}


class DisputeForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=DisputeReason.choices)
    lines = forms.ModelMultipleChoiceField(
        label=_("Disputed lines"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty to dispute the whole invoice."),
    )
    amount = forms.DecimalField(
        label=_("Disputed amount"), max_digits=14, decimal_places=2, min_value=Decimal("0.01")
    )
    message = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000)
    attachments = MultipleFileField(label=_("Attachments"), required=False, help_text=ATTACHMENT_HELP)

    def __init__(self, *args, invoice, **kwargs):
        super().__init__(*args, **kwargs)
        self.invoice = invoice
        self.fields["lines"].queryset = invoice.lines.all()
        self.fields["lines"].label_from_instance = lambda line: f"{line.line_number}. {line.description}"

    def clean(self):
        data = super().clean()
        if data.get("amount") is not None and "lines" not in self.errors:
            try:
                dispute_amount_validate(
                    invoice=self.invoice, amount=data["amount"], lines=data.get("lines") or ()
                )
            except ValidationError as exc:
                self.add_error("amount", exc)
        return data


class DisputeReplyForm(forms.Form):
    message = forms.CharField(
        label=_("Your message"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )
    attachments = MultipleFileField(label=_("Attachments"), required=False, help_text=ATTACHMENT_HELP)
