"""Back office: agents create, edit, import and export records and decide reported changes."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from csol.core.csv_export import csv_response
from csol.core.uploads import UploadPolicy, validate_uploads
from inventory.forms import ImportForm
from inventory.imports import COLUMNS, records_import
from inventory.lookup import normalise_query, search_conditions
from inventory.models import (
    TRANSITIONS,
    ChangeRequest,
    ChangeRequestEmail,
    ChangeStatus,
    EventKind,
    InventoryRecord,
    RecordEvent,
    RecordStatus,
)
from inventory.selectors import coverage_of, with_coverage
from inventory.services import (
    EDITABLE_FIELDS,
    _event,
    change_request_approve,
    change_request_reject,
    normalise_serial,
    record_create,
    record_update,
)

CSV_IMPORT_POLICY = UploadPolicy(
    max_bytes=10 * 1024 * 1024, max_files=1, allowed_types=frozenset(), allow_csv=True
)


class RecordEventInline(admin.TabularInline):
    model = RecordEvent
    extra = 0
    can_delete = False
    fields = ["at", "kind", "from_display", "to_display", "actor", "note", "change_request"]
    readonly_fields = fields
    ordering = ["-at", "-id"]

    def has_add_permission(self, request, obj=None):
        return False


class ChangeRequestEmailInline(admin.TabularInline):
    model = ChangeRequestEmail
    extra = 0
    can_delete = False
    fields = ["sent_at", "event", "recipient", "language"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class InventoryRecordAdminForm(forms.ModelForm):
    class Meta:
        model = InventoryRecord
        fields = [
            "customer",
            "site",
            "product",
            "serial_number",
            "quantity",
            "install_date",
            "warranty_end",
            "status",
            "order_line",
            "contracts",
        ]

    def clean_serial_number(self):
        return normalise_serial(self.cleaned_data.get("serial_number", ""))

    def clean(self):
        data = super().clean()
        customer = data.get("customer") or getattr(self.instance, "customer", None)
        site, product = data.get("site"), data.get("product")
        if site and customer and site.customer_id != customer.pk:
            self.add_error("site", _("The site must belong to the record's customer."))
        serial = data.get("serial_number")
        if product and serial:
            clash = InventoryRecord.objects.filter(
                machine_type=(product.machine_type or "").upper(), serial_number=serial
            )
            if self.instance.pk:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                self.add_error(
                    "serial_number", _("This serial number is already recorded for this machine type.")
                )
        status = data.get("status")
        if (
            self.instance.pk
            and status
            and status != self.instance.status
            and status not in TRANSITIONS[self.instance.status]
        ):
            self.add_error(
                "status",
                _("A record cannot go from “%(from)s” to “%(to)s”.")
                % {"from": self.instance.get_status_display(), "to": RecordStatus(status).label},
            )
        contracts = data.get("contracts")
        if contracts and customer and any(c.customer_id != customer.pk for c in contracts):
            self.add_error("contracts", _("Only the customer's own contracts can cover its records."))
        return data


@admin.register(InventoryRecord)
class InventoryRecordAdmin(admin.ModelAdmin):
    form = InventoryRecordAdminForm
    list_display = [
        "__str__",
        "customer",
        "site",
        "product",
        "machine_type",
        "model",
        "serial_number",
        "status",
        "warranty_end",
        "coverage_display",
    ]
    list_filter = ["status", "machine_type", "customer"]
    list_select_related = ["customer", "site", "product"]
    search_fields = ["serial_number"]  # replaced by get_search_results (index-friendly lookup)
    search_help_text = gettext_lazy(
        "Serial number, machine type, type-model (9080-HEX), product, or customer number."
    )
    raw_id_fields = ["customer", "site", "product", "order_line", "contracts"]
    readonly_fields = ["machine_type", "model", "created_at", "updated_at"]
    inlines = [RecordEventInline]
    actions = ["export_selected"]
    change_list_template = "admin/inventory/inventoryrecord/change_list.html"
    list_per_page = 50

    def get_queryset(self, request):
        return with_coverage(super().get_queryset(request))

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "customer"] if obj is not None else fields

    @admin.display(description=gettext_lazy("Coverage today"))
    def coverage_display(self, obj):
        return coverage_of(obj).label

    def get_search_results(self, request, queryset, search_term):
        term = normalise_query(search_term)
        if not term:
            return queryset, False
        return queryset.filter(search_conditions(term) | Q(customer__number=term)), False

    def save_model(self, request, obj, form, change):
        if change:
            changes = {name: form.cleaned_data[name] for name in form.changed_data if name in EDITABLE_FIELDS}
            record_update(record=obj, actor=request.user, changes=changes)
            obj.refresh_from_db()
        else:
            data = form.cleaned_data
            record = record_create(
                customer=data["customer"],
                site=data["site"],
                product=data["product"],
                serial_number=data.get("serial_number", ""),
                quantity=data["quantity"],
                install_date=data.get("install_date"),
                warranty_end=data.get("warranty_end"),
                status=data["status"],
                order_line=data.get("order_line"),
                actor=request.user,
            )
            obj.pk = record.pk
            obj._state.adding = False
            obj._state.db = record._state.db

    def save_related(self, request, form, formsets, change):
        before = set(form.instance.contracts.values_list("number", flat=True)) if change else set()
        super().save_related(request, form, formsets, change)
        after = set(form.instance.contracts.values_list("number", flat=True))
        if before != after:
            _event(
                form.instance,
                EventKind.COVERAGE,
                actor=request.user,
                from_value=", ".join(sorted(before)),
                to_value=", ".join(sorted(after)),
            )

    def get_urls(self):
        urls = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="inventory_inventoryrecord_import",
            ),
            path(
                "export/",
                self.admin_site.admin_view(self.export_view),
                name="inventory_inventoryrecord_export",
            ),
        ]
        return urls + super().get_urls()

    def _export(self, queryset):
        header = [*COLUMNS, "model", "coverage", "covered_until", "contract"]

        def rows():
            for record in queryset.select_related("customer", "site", "product").iterator(chunk_size=2000):
                coverage = coverage_of(record)
                yield [
                    record.customer.number,
                    record.site.name,
                    record.product.sku,
                    record.serial_number,
                    record.quantity,
                    record.install_date or "",
                    record.warranty_end or "",
                    record.status,
                    record.model,
                    coverage.kind,
                    coverage.until or "",
                    coverage.contract_number,
                ]

        return csv_response(filename="inventory-records.csv", header=header, rows=rows())

    @admin.action(description=gettext_lazy("Export the selected records to CSV"))
    def export_selected(self, request, queryset):
        return self._export(queryset)

    def export_view(self, request):
        """Every record matching the change list's current search and filters, in the import's columns."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        return self._export(changelist.get_queryset(request))

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        errors = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                validate_uploads([upload], CSV_IMPORT_POLICY)
            except ValidationError as exc:
                form.add_error("file", exc)
            else:
                result = records_import(upload=upload, actor=request.user)
                if result.ok:
                    self.message_user(
                        request,
                        _("%(count)d records imported.") % {"count": result.created},
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(reverse("admin:inventory_inventoryrecord_changelist"))
                errors = result.errors
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import inventory records"),
            "form": form,
            "errors": errors,
            "columns": COLUMNS,
        }
        return TemplateResponse(request, "admin/inventory/inventoryrecord/import.html", context)


@admin.register(RecordEvent)
class RecordEventAdmin(admin.ModelAdmin):
    list_display = ["at", "record", "kind", "from_display", "to_display", "actor"]
    list_filter = ["kind"]
    search_fields = ["record__serial_number", "from_value", "to_value", "note"]
    list_select_related = ["record", "actor"]
    raw_id_fields = ["record", "actor", "change_request"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # history is written by the services only

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ChangeRequest)
class ChangeRequestAdmin(admin.ModelAdmin):
    list_display = ["requested_at", "record", "customer", "kind", "status", "requested_by", "decided_by"]
    list_filter = ["status", "kind"]
    search_fields = ["record__serial_number", "customer__number", "customer__legal_name", "message"]
    list_select_related = ["record", "customer", "requested_by", "decided_by"]
    readonly_fields = [
        "record",
        "customer",
        "kind",
        "new_site",
        "new_serial_number",
        "message",
        "status",
        "requested_by",
        "requested_at",
        "decided_by",
        "decided_at",
    ]
    fields = [*readonly_fields, "decision_note"]
    actions = ["approve", "reject"]
    inlines = [ChangeRequestEmailInline]
    change_form_template = "admin/inventory/changerequest/change_form.html"

    def has_add_permission(self, request):
        return False  # customers report changes from the portal

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != ChangeStatus.PENDING:
            return [*self.readonly_fields, "decision_note"]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        # Only the agent's note is edited here; decisions go through the services below.
        if obj.status == ChangeStatus.PENDING:
            obj.save(update_fields=["decision_note"])

    def _decide(self, request, changes, service, done_message):
        for change in changes:
            try:
                service(change=change, actor=request.user, note=change.decision_note)
            except ValidationError as exc:
                self.message_user(request, f"{change}: {' '.join(exc.messages)}", messages.ERROR)
            else:
                self.message_user(request, done_message % {"change": change}, messages.SUCCESS)

    @admin.action(description=gettext_lazy("Approve and apply the selected changes"))
    def approve(self, request, queryset):
        self._decide(request, queryset, change_request_approve, _("%(change)s approved and applied."))

    @admin.action(description=gettext_lazy("Reject the selected changes"))
    def reject(self, request, queryset):
        self._decide(request, queryset, change_request_reject, _("%(change)s rejected."))

    def response_change(self, request, obj):
        if "_approve" in request.POST:
            self.approve(request, [obj])
        elif "_reject" in request.POST:
            self.reject(request, [obj])
        else:
            return super().response_change(request, obj)
        return HttpResponseRedirect(request.path)
