from django import forms
from django.utils.translation import gettext_lazy as _

from csol.core.models import Site
from inventory.models import ChangeKind, RecordStatus
from inventory.selectors import CoverageFilter, products_for, sites_for
from inventory.services import normalise_serial

COVERAGE_CHOICES = [
    ("", _("Any coverage")),
    (CoverageFilter.COVERED, _("Covered")),
    (CoverageFilter.EXPIRING, _("Coverage ending within 90 days")),
    (CoverageFilter.NOT_COVERED, _("Not covered")),
]


class SiteChoiceField(forms.ModelChoiceField):
    def __init__(self, *args, with_customer=False, **kwargs):
        self.with_customer = with_customer
        super().__init__(*args, **kwargs)

    def label_from_instance(self, site):
        return f"{site.customer.legal_name} · {site}" if self.with_customer else str(site)


class ProductChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, product):
        return f"{product.sku} · {product.name}"


class RecordFilterForm(forms.Form):
    """The list's filters (GET): each is backed by a (customer, …) index."""

    site = SiteChoiceField(
        label=_("Site"), queryset=Site.objects.none(), required=False, empty_label=_("All sites")
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *RecordStatus.choices], required=False
    )
    coverage = forms.ChoiceField(label=_("Coverage"), choices=COVERAGE_CHOICES, required=False)
    product = ProductChoiceField(
        label=_("Product"), queryset=None, required=False, empty_label=_("All products")
    )

    def __init__(self, *args, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites_for(viewer=viewer)
        self.fields["site"].with_customer = viewer.active_customer_id is None
        self.fields["product"].queryset = products_for(viewer=viewer)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select"

    def filters(self) -> dict:
        """The valid filters (an invalid value is ignored rather than hiding the whole list)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: data[name] for name in ("site", "status", "coverage", "product") if data.get(name)}


class LookupForm(forms.Form):
    q = forms.CharField(
        label=_("Serial number, machine type, type-model or product"),
        max_length=60,
        help_text=_("For example 78ABC12, 9080, 9080-HEX or a product name; partial numbers work too."),
    )


class ChangeRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("What changed?"), choices=ChangeKind.choices, widget=forms.RadioSelect)
    new_site = SiteChoiceField(label=_("New site"), queryset=Site.objects.none(), required=False)
    new_serial_number = forms.CharField(label=_("Correct serial number"), max_length=40, required=False)
    message = forms.CharField(
        label=_("Message to our agents"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("When and why it changed, and anything our agents should know."),
    )

    def __init__(self, *args, record, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_site"].queryset = Site.objects.filter(customer_id=record.customer_id).exclude(
            pk=record.site_id
        )
        self.record = record

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == ChangeKind.MOVE and not data.get("new_site"):
            self.add_error("new_site", _("Choose the site the equipment was moved to."))
        if kind == ChangeKind.SERIAL:
            try:
                data["new_serial_number"] = normalise_serial(data.get("new_serial_number", ""))
            except forms.ValidationError as exc:
                self.add_error("new_serial_number", exc)
            else:
                if not data["new_serial_number"]:
                    self.add_error("new_serial_number", _("Enter the correct serial number."))
        return data


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns: customer_number, site_name, sku, serial_number, quantity, install_date, warranty_end, "
            "status. Dates as YYYY-MM-DD. Nothing is imported unless every row is valid."
        ),
    )
