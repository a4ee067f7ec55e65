"""Portal forms: the order list filters, the order request, and answers to a delivery window."""

from datetime import datetime, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from csol.core.models import Site
from csol.core.money import format_money
from orders.models import OrderStatus
from orders.selectors import DEFAULT_SORT, orderable_products


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"


class OrderFilterForm(forms.Form):
    # Fixed choices, no per-request initial values: csol.core.templatetags.form_fields draws the
    # unbound form once per language.
    unbound_html_is_constant = True

    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), ("open", _("Open")), ("closed", _("Closed")), *OrderStatus.choices],
    )
    date_from = forms.DateField(label=_("Ordered from"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("Ordered to"), required=False, widget=DateInput())
    q = forms.CharField(
        label=_("Order or PO number"),
        required=False,
        max_length=40,
        help_text=_("The start of the number is enough."),
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("open", _("Open orders first")),
            ("newest", _("Newest first")),
            ("oldest", _("Oldest first")),
            ("requested", _("Requested delivery date")),
        ],
    )

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end date must be on or after the start date."))
        data["sort"] = data.get("sort") or DEFAULT_SORT
        return data


class OrderRequestForm(forms.Form):
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=None, empty_label=None)
    po_number = forms.CharField(label=_("Your purchase order number"), max_length=40, required=False)
    ship_to = forms.ModelChoiceField(label=_("Ship to"), queryset=None)
    requested_delivery_date = forms.DateField(
        label=_("Requested delivery date"), required=False, widget=DateInput()
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, customers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customers
        self.fields["ship_to"].queryset = (
            Site.objects.filter(customer__in=customers, is_ship_to=True)
            .select_related("customer")
            .order_by("customer", "name")
        )
        self.single_customer = customers.count() == 1
        sites = list(self.fields["ship_to"].queryset[:2])
        if len(sites) == 1:
            self.fields["ship_to"].initial = sites[0]
        if self.single_customer:
            self.fields["customer"].widget = forms.HiddenInput()
            self.fields["customer"].initial = customers.first()
            self.fields["ship_to"].label_from_instance = str
        else:
            self.fields["ship_to"].label_from_instance = lambda site: f"{site.customer.legal_name} — {site}"

    def clean_po_number(self):
        value = self.cleaned_data["po_number"].strip()
        if value and not all(ch.isalnum() or ch in "-_/. " for ch in value):
            raise ValidationError(_("Use letters, digits, spaces and - _ / . only."))
        return value

    def clean_requested_delivery_date(self):
        value = self.cleaned_data["requested_delivery_date"]
        if value and value <= timezone.localdate():
            raise ValidationError(_("Choose a date after today."))
        if value and value > timezone.localdate() + timedelta(days=366):
            raise ValidationError(_("Choose a date within the next year."))
        return value

    def clean(self):
        data = super().clean()
        customer, site = data.get("customer"), data.get("ship_to")
        if customer and site and site.customer_id != customer.id:
            self.add_error("ship_to", _("Choose one of this customer's sites."))
        return data


class OrderLineRequestForm(forms.Form):
    product = forms.ModelChoiceField(label=_("Product"), queryset=None, required=False)
    quantity = forms.IntegerField(label=_("Quantity"), required=False, min_value=1, max_value=999)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = orderable_products()
        self.fields["product"].label_from_instance = lambda p: (
            f"{p.sku} — {p.name} ({format_money(p.unit_price)})"
        )

    def clean(self):
        data = super().clean()
        if data.get("product") and not data.get("quantity") and "quantity" not in self.errors:
            self.add_error("quantity", _("Enter a quantity."))
        if data.get("quantity") and not data.get("product") and "product" not in self.errors:
            self.add_error("product", _("Choose a product."))
        return data


class BaseLineFormSet(forms.BaseFormSet):
    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        # Each row's fields say which line they are: one label per field, distinct for screen readers.
        form.fields["product"].label = _("Product, line %(number)s") % {"number": i + 1}
        form.fields["quantity"].label = _("Quantity, line %(number)s") % {"number": i + 1}
        return form

    def clean(self):
        if any(self.errors):
            return
        seen = set()
        for form in self.forms:
            product = form.cleaned_data.get("product")
            if product is None:
                continue
            if product.pk in seen:
                raise ValidationError(_("Each product once, please: add up the quantities on one line."))
            seen.add(product.pk)
        if not seen:
            raise ValidationError(_("Add at least one product."))

    def lines(self):
        return [
            (f.cleaned_data["product"], f.cleaned_data["quantity"])
            for f in self.forms
            if f.cleaned_data.get("product")
        ]


OrderLineFormSet = forms.formset_factory(
    OrderLineRequestForm, formset=BaseLineFormSet, extra=5, max_num=30, validate_max=True, absolute_max=30
)


class SiteReadinessForm(forms.Form):
    has_loading_dock = forms.TypedChoiceField(
        label=_("Loading dock"),
        choices=[
            ("", _("Not stated")),
            ("yes", _("Yes, a loading dock is available")),
            ("no", _("No loading dock")),
        ],
        coerce=lambda v: v == "yes",
        empty_value=None,
        required=False,
    )
    access_hours = forms.CharField(label=_("Site access hours"), max_length=120, required=False)
    site_contact_name = forms.CharField(label=_("Site contact"), max_length=120, required=False)
    site_contact_phone = forms.CharField(label=_("Site contact telephone"), max_length=30, required=False)
    special_instructions = forms.CharField(
        label=_("Special instructions"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_site_contact_phone(self):
        value = self.cleaned_data["site_contact_phone"].strip()
        digits = [ch for ch in value if ch.isdigit()]
        if value and (len(digits) < 10 or not all(ch.isdigit() or ch in " +-().x" for ch in value)):
            raise ValidationError(_("Enter a telephone number with its area code, for example 514 555-0123."))
        return value

    def readiness(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in (
                "has_loading_dock",
                "access_hours",
                "site_contact_name",
                "site_contact_phone",
                "special_instructions",
            )
        }


class WindowCounterForm(SiteReadinessForm):
    day = forms.DateField(label=_("Delivery date"), widget=DateInput())
    start = forms.TimeField(label=_("From"), widget=TimeInput())
    end = forms.TimeField(label=_("To"), widget=TimeInput())

    field_order = ["day", "start", "end"]

    def clean(self):
        data = super().clean()
        day, start, end = data.get("day"), data.get("start"), data.get("end")
        if day and day <= timezone.localdate():
            self.add_error("day", _("Choose a date after today."))
        if start and end and end <= start:
            self.add_error("end", _("The window must end after it starts."))
        return data

    def window(self, tz) -> tuple[datetime, datetime]:
        """The window as aware datetimes, read in the ship-to site's time zone `tz`."""
        day = self.cleaned_data["day"]
        return (
            timezone.make_aware(datetime.combine(day, self.cleaned_data["start"]), tz),
            timezone.make_aware(datetime.combine(day, self.cleaned_data["end"]), tz),
        )
