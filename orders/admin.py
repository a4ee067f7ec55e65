"""Back office for orders: agents enter orders, move them with the same services as everywhere, ship, plan."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from orders import services
from orders.models import (
    DeliveryWindow,
    Order,
    OrderEmail,
    OrderEvent,
    OrderEventKind,
    OrderLine,
    OrderStatus,
    Product,
    Shipment,
    ShipmentLine,
    ShipmentStatus,
    WindowSide,
    WindowStatus,
)
from orders.timezones import as_site_time

EDITABLE_LINES = frozenset({OrderStatus.RECEIVED, OrderStatus.VALIDATED})


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = [
        "sku",
        "name_en",
        "name_fr",
        "kind",
        "machine_type",
        "model",
        "unit_price",
        "tax_category",
        "is_active",
    ]
    list_filter = ["kind", "tax_category", "is_active"]
    search_fields = ["sku", "name_en", "name_fr", "machine_type", "model"]
    fieldsets = [
        (None, {"fields": ["sku", "kind", "is_active"]}),
        (_("Hardware"), {"fields": ["machine_type", "model"]}),
        (_("Software"), {"fields": ["licence_type"]}),
        (_("Descriptions"), {"fields": ["name_fr", "name_en", "description_fr", "description_en"]}),
        (_("Price and taxes"), {"fields": ["unit_price", "tax_category"]}),
    ]


class OrderLineForm(forms.ModelForm):
    class Meta:
        model = OrderLine
        fields = ["line_number", "product", "description", "quantity", "unit_price"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Filled from the product when left empty: the catalogue is the default.
        for name in ("line_number", "description", "unit_price"):
            self.fields[name].required = False

    def clean(self):
        data = super().clean()
        product = data.get("product")
        if product is not None:
            if not data.get("description"):
                data["description"] = product.name[:250]
            if data.get("unit_price") is None:
                data["unit_price"] = product.unit_price
        return data


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    form = OrderLineForm
    extra = 1
    autocomplete_fields = ["product"]
    readonly_fields = ["net_amount", "delivered_at"]
    fields = ["line_number", "product", "description", "quantity", "unit_price", "net_amount", "delivered_at"]

    def _editable(self, obj):
        return obj is None or obj.status in EDITABLE_LINES

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj) and super().has_delete_permission(request, obj)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ShipmentInline(ReadOnlyInline):
    model = Shipment
    fields = [
        "sequence",
        "status",
        "carrier",
        "tracking_number",
        "planned_ship_date",
        "shipped_on",
        "delivered_on",
    ]
    readonly_fields = fields


class DeliveryWindowInline(ReadOnlyInline):
    model = DeliveryWindow
    fields = [
        "starts_at",
        "ends_at",
        "proposed_by_side",
        "status",
        "access_hours",
        "site_contact_name",
        "answered_at",
    ]
    readonly_fields = fields


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    show_change_link = False
    fields = ["created_at", "kind", "from_status", "to_status", "actor", "note"]
    readonly_fields = fields


def _transition_action(target, label):
    def action(modeladmin, request, queryset):
        modeladmin.move(request, queryset, lambda order: target)

    action.__name__ = f"move_to_{target}"
    action.short_description = label
    return action


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "customer",
        "po_number",
        "status",
        "created_at",
        "requested_delivery_date",
        "net_total",
    ]
    list_filter = [
        "status",
        "is_open",
        ("customer", admin.RelatedOnlyFieldListFilter),
        "created_at",
        "requested_delivery_date",
    ]
    list_select_related = ["customer"]
    search_fields = [
        "=number",
        "po_number",
        "customer__number",
        "customer__legal_name",
        "shipments__lines__serial_numbers",
    ]
    search_help_text = _("Order number, PO number, customer, or a serial number that shipped.")
    date_hierarchy = "created_at"
    autocomplete_fields = ["customer", "ship_to", "bill_to"]
    raw_id_fields = ["placed_by", "partner"]
    readonly_fields = ["number", "status", "net_total", "created_at", "updated_at", "next_steps"]
    fields = [
        "number",
        "customer",
        "status",
        "po_number",
        "ship_to",
        "bill_to",
        "requested_delivery_date",
        "notes",
        "placed_by",
        "partner",
        "net_total",
        "next_steps",
        "created_at",
        "updated_at",
    ]
    inlines = [OrderLineInline, ShipmentInline, DeliveryWindowInline, OrderEventInline]
    actions = [
        _transition_action(OrderStatus.VALIDATED, _("Validate")),
        _transition_action(OrderStatus.SCHEDULED, _("Mark scheduled")),
        _transition_action(OrderStatus.ON_HOLD, _("Put on hold")),
        "release_hold",
        _transition_action(OrderStatus.DELIVERED, _("Mark delivered")),
        _transition_action(OrderStatus.INSTALLED, _("Mark installed")),
        _transition_action(OrderStatus.COMPLETED, _("Mark completed")),
        _transition_action(OrderStatus.CANCELLED, _("Cancel")),
    ]

    @admin.display(description=_("Next steps"))
    def next_steps(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        shipment = reverse("admin:orders_shipment_add") + f"?order={obj.pk}"
        window = reverse("admin:orders_deliverywindow_add") + f"?order={obj.pk}"
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            shipment,
            _("Record a shipment"),
            window,
            _("Propose a delivery window"),
        )

    def move(self, request, queryset, target_for):
        moved = 0
        for order in queryset.select_related("customer"):
            try:
                services.order_transition(order=order, to=target_for(order), actor=request.user)
            except ValidationError as exc:
                self.message_user(request, f"{order.number}: {' '.join(exc.messages)}", messages.ERROR)
            else:
                moved += 1
        if moved:
            self.message_user(
                request,
                ngettext("%(count)d order moved.", "%(count)d orders moved.", moved) % {"count": moved},
            )

    @admin.action(description=_("Release from hold"))
    def release_hold(self, request, queryset):
        self.move(request, queryset, lambda order: order.held_from or OrderStatus.RECEIVED)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.number = services.temporary_number()
            obj.placed_by = obj.placed_by or request.user
        super().save_model(request, obj, form, change)
        if not change:
            obj.number = services.order_number(obj)
            obj.save(update_fields=["number"])
            OrderEvent.objects.create(
                order=obj, kind=OrderEventKind.CREATED, actor=request.user, to_status=obj.status
            )

    def save_formset(self, request, form, formset, change):
        if formset.model is OrderLine:
            instances = formset.save(commit=False)
            for obj in formset.deleted_objects:
                obj.delete()
            taken = set(form.instance.lines.values_list("line_number", flat=True))
            for line in instances:
                if not line.line_number:
                    line.line_number = max(taken | {0}) + 1
                taken.add(line.line_number)
                line.net_amount = line.unit_price * line.quantity
                line.save()
            services.order_recalculate(order=form.instance)
        else:
            super().save_formset(request, form, formset, change)


class ShipmentLineFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        order = getattr(self.instance, "order", None) if self.instance.order_id else None
        if order is None:
            return
        lines = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if not data or data.get("DELETE") or not data.get("order_line"):
                continue
            line = data["order_line"]
            if line.order_id != order.pk:
                raise ValidationError(_("Line %(line)s is not a line of this order.") % {"line": line})
            lines[line.pk] = lines.get(line.pk, 0) + data["quantity"]
        if not lines:
            raise ValidationError(_("A shipment needs at least one line with a quantity."))
        services.shipment_check_lines(
            order=order, shipment=self.instance if self.instance.pk else None, lines=lines
        )


class ShipmentLineInline(admin.TabularInline):
    model = ShipmentLine
    formset = ShipmentLineFormSet
    fields = ["order_line", "quantity", "serial_numbers"]
    extra = 0

    def has_change_permission(self, request, obj=None):
        return (obj is None or obj.status == ShipmentStatus.PLANNED) and super().has_change_permission(
            request, obj
        )

    def has_add_permission(self, request, obj=None):
        return (obj is None or obj.status == ShipmentStatus.PLANNED) and super().has_add_permission(
            request, obj
        )

    def has_delete_permission(self, request, obj=None):
        return (obj is None or obj.status == ShipmentStatus.PLANNED) and super().has_delete_permission(
            request, obj
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "order_line":
            order_id = (
                request.resolver_match.kwargs.get("object_id")
                and Shipment.objects.filter(pk=request.resolver_match.kwargs["object_id"])
                .values_list("order_id", flat=True)
                .first()
            )
            order_id = order_id or request.GET.get("order") or request.POST.get("order")
            kwargs["queryset"] = OrderLine.objects.filter(order_id=order_id or 0).select_related("order")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Shipment)
class ShipmentAdmin(admin.ModelAdmin):
    list_display = ["__str__", "order", "status", "carrier", "tracking_number", "shipped_on", "delivered_on"]
    list_filter = ["status", "carrier", "shipped_on", "delivered_on"]
    list_select_related = ["order"]
    search_fields = ["=order__number", "order__po_number", "tracking_number", "lines__serial_numbers"]
    autocomplete_fields = ["order"]
    fields = [
        "order",
        "sequence",
        "status",
        "carrier",
        "tracking_number",
        "planned_ship_date",
        "shipped_on",
        "planned_delivery_date",
        "delivered_on",
    ]
    readonly_fields = ["sequence", "status", "shipped_on", "delivered_on"]
    inlines = [ShipmentLineInline]
    actions = ["mark_shipped", "mark_delivered"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "order"] if obj is not None else fields

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if (
            (obj is None or obj.pk is None)
            and request.method == "GET"
            and request.GET.get("order", "").isdigit()
        ):
            # A new shipment starts with what is left to ship of each line.
            order = Order.objects.filter(pk=request.GET["order"]).first()
            if order is not None:
                kwargs["initial"] = [
                    {"order_line": line_id, "quantity": remaining}
                    for line_id, remaining in services.remaining_quantities(order).items()
                    if remaining > 0
                ]
        return kwargs

    def get_inline_instances(self, request, obj=None):
        instances = super().get_inline_instances(request, obj)
        if obj is None and request.method == "GET" and request.GET.get("order", "").isdigit():
            order = Order.objects.filter(pk=request.GET["order"]).first()
            count = sum(1 for r in services.remaining_quantities(order).values() if r > 0) if order else 0
            for inline in instances:
                inline.extra = count
        return instances

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        # A new shipment is created by shipment_create() in save_related, with its lines.

    def save_related(self, request, form, formsets, change):
        if change:
            return super().save_related(request, form, formsets, change)
        lines, serials = {}, {}
        for formset in formsets:
            for line_form in formset.forms:
                data = getattr(line_form, "cleaned_data", None) or {}
                if data.get("order_line") and not data.get("DELETE"):
                    lines[data["order_line"].pk] = data["quantity"]
                    serials[data["order_line"].pk] = data.get("serial_numbers", "")
        obj = form.instance
        with transaction.atomic():
            created = services.shipment_create(
                order=obj.order,
                lines=lines,
                actor=request.user,
                carrier=obj.carrier,
                tracking_number=obj.tracking_number,
                planned_ship_date=obj.planned_ship_date,
                planned_delivery_date=obj.planned_delivery_date,
                serial_numbers=serials,
            )
        obj.pk, obj.sequence = created.pk, created.sequence
        obj._state.adding = False
        for formset in formsets:
            # What the admin's history message lists as added.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = (
                list(created.lines.all()),
                [],
                [],
            )

    def _run(self, request, queryset, service, done):
        count = 0
        for shipment in queryset.select_related("order"):
            try:
                service(shipment=shipment, actor=request.user)
            except ValidationError as exc:
                self.message_user(request, f"{shipment}: {' '.join(exc.messages)}", messages.ERROR)
            else:
                count += 1
        if count:
            self.message_user(request, done % {"count": count})

    @admin.action(description=_("Mark shipped (today)"))
    def mark_shipped(self, request, queryset):
        self._run(request, queryset, services.shipment_ship, _("Shipments marked shipped: %(count)d."))

    @admin.action(description=_("Mark delivered (today)"))
    def mark_delivered(self, request, queryset):
        self._run(request, queryset, services.shipment_deliver, _("Shipments marked delivered: %(count)d."))


class DeliveryWindowForm(forms.ModelForm):
    class Meta:
        model = DeliveryWindow
        fields = [
            "order",
            "starts_at",
            "ends_at",
            "has_loading_dock",
            "access_hours",
            "site_contact_name",
            "site_contact_phone",
            "special_instructions",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("starts_at", "ends_at"):
            self.fields[name].help_text = _("Local time of the ship-to site.")

    def clean(self):
        data = super().clean()
        order = data.get("order")
        if order and data.get("starts_at") and data.get("ends_at"):
            # Agents type the site's wall-clock time, whatever the server's zone.
            data["starts_at"] = as_site_time(data["starts_at"], order.ship_to)
            data["ends_at"] = as_site_time(data["ends_at"], order.ship_to)
            services.window_check(order, data["starts_at"], data["ends_at"])
        return data


@admin.register(DeliveryWindow)
class DeliveryWindowAdmin(admin.ModelAdmin):
    form = DeliveryWindowForm
    list_display = ["order", "starts_at", "ends_at", "proposed_by_side", "status", "answered_at"]
    list_filter = ["status", "proposed_by_side", "starts_at"]
    list_select_related = ["order"]
    search_fields = ["=order__number", "order__po_number", "site_contact_name"]
    autocomplete_fields = ["order"]
    actions = ["accept_customer_proposal"]

    def has_change_permission(self, request, obj=None):
        # A window is never edited: CSO proposes a new one (which replaces the pending one).
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            created = services.delivery_window_propose(
                order=data["order"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                actor=request.user,
                **{name: data[name] for name in services.READINESS_FIELDS},
            )
        except ValidationError as exc:
            # Shown on the next page; nothing was written.
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return
        obj.pk = created.pk
        obj._state.adding = False

    def response_add(self, request, obj, post_url_continue=None):
        if obj.pk is None:
            return self.response_post_save_add(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def log_addition(self, request, obj, message):
        if obj.pk is not None:
            return super().log_addition(request, obj, message)
        return None

    @admin.action(description=_("Accept the customer's proposed window"))
    def accept_customer_proposal(self, request, queryset):
        count = 0
        for window in queryset.filter(status=WindowStatus.PROPOSED, proposed_by_side=WindowSide.CUSTOMER):
            try:
                services.delivery_window_accept(window=window, actor=request.user, side=WindowSide.CSO)
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
            else:
                count += 1
        self.message_user(request, _("Windows accepted: %(count)d.") % {"count": count})


@admin.register(OrderEvent)
class OrderEventAdmin(admin.ModelAdmin):
    list_display = ["order", "kind", "from_status", "to_status", "actor", "created_at"]
    fields = ["order", "kind", "from_status", "to_status", "actor", "shipment", "note"]
    list_filter = ["kind", "to_status", "created_at"]
    list_select_related = ["order", "actor"]
    search_fields = ["=order__number"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OrderEmail)
class OrderEmailAdmin(admin.ModelAdmin):
    list_display = ["event", "recipient", "language", "sent_at"]
    fields = ["event", "recipient", "language"]  # the order they had before the SentEmail base
    list_filter = ["language", "sent_at"]
    search_fields = ["recipient", "=event__order__number"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
