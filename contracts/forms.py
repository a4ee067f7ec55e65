"""Portal forms of contracts: list filters, renewal requests, notice not to renew."""

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from contracts.models import ContractKind, ContractStatus

MAX_QUANTITY = 1_000_000
po_number_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9 ._/#-]*$",
    _("A purchase order number has letters, digits, spaces and . _ / # - only."),
)


class ContractFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *ContractKind.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *ContractStatus.choices]
    )
    ending_within = forms.IntegerField(
        label=_("Ending within (days)"), required=False, min_value=0, max_value=3650
    )


class RenewalRequestForm(forms.Form):
    """Quantities per licence of the contract, a PO number and a message."""

    po_number = forms.CharField(
        label=_("Purchase order number"), max_length=40, required=False, validators=[po_number_validator]
    )
    message = forms.CharField(
        label=_("Message to our team"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For example a change of service level or of covered sites."),
    )

    def __init__(self, *args, entitlements=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.entitlements = list(entitlements)
        for entitlement in self.entitlements:
            self.fields[self.quantity_field(entitlement)] = forms.IntegerField(
                label=_("Quantity for %(product)s (%(metric)s)")
                % {"product": entitlement.product.name, "metric": entitlement.get_metric_display()},
                min_value=1,
                max_value=MAX_QUANTITY,
                initial=entitlement.quantity,
            )

    @staticmethod
    def quantity_field(entitlement) -> str:
        return f"quantity_{entitlement.pk}"

    def clean(self):
        cleaned = super().clean()
        if (
            not self.errors
            and not self.entitlements
            and not cleaned.get("po_number")
            and not cleaned.get("message")
        ):
            raise forms.ValidationError(_("Give a purchase order number or a message."), code="empty")
        return cleaned

    def quantities(self) -> dict[int, int]:
        return {e.pk: self.cleaned_data[self.quantity_field(e)] for e in self.entitlements}


class NonRenewalNoticeForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I confirm, for my company, that this contract must not renew at the end of its term."),
        required=True,
    )
