"""The audit trail in the back office: read-only for everyone, superusers included."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from csol.audit.models import AuditEvent, ImpersonationSession
from csol.audit.recorder import audited_models


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        return {}  # no "delete selected"


class CustomerFilter(admin.SimpleListFilter):
    """Events of one customer: reached from the customer's page ("Everything for this customer")."""

    title = _("customer")
    parameter_name = "customer"

    def lookups(self, request, model_admin):
        # Only the chosen customer is listed (as a removable choice): listing every customer
        # would read the whole table on each page.
        from csol.core.models import Customer

        value = self.value()
        if value and value.isdigit():
            return [(c.pk, str(c)) for c in Customer.objects.filter(pk=int(value))]
        return []

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        return queryset.filter(customer_id=int(value)) if value.isdigit() else queryset.none()


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = [
        "at",
        "action",
        "actor_label",
        "acting_as",
        "object_repr",
        "content_type",
        "customer",
        "ip",
    ]
    list_filter = ["action", "source", CustomerFilter, "content_type", ("at", admin.DateFieldListFilter)]
    search_fields = [
        "=object_id",
        "object_repr",
        "actor_label",
        "customer__number",
        "customer__legal_name",
        "path",
    ]
    list_select_related = ["acting_as", "content_type", "customer"]
    date_hierarchy = "at"
    show_full_result_count = False  # no COUNT(*) over the whole trail on each page
    fields = [
        "at",
        "action",
        "actor",
        "actor_label",
        "acting_as",
        "source",
        "content_type",
        "object_id",
        "object_repr",
        "customer",
        "changes",
        "ip",
        "path",
    ]
    readonly_fields = fields

    def lookup_allowed(self, lookup, value, request=None):
        # The per-object link of every audited change page filters on these.
        if lookup in {"object_id", "content_type__id__exact"}:
            return True
        return super().lookup_allowed(lookup, value, request)


@admin.register(ImpersonationSession)
class ImpersonationSessionAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "ended_at", "agent", "user", "reason", "ip"]
    list_filter = [
        ("ended_at", admin.EmptyFieldListFilter),
        ("started_at", admin.DateFieldListFilter),
        ("agent", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["agent__email", "user__email", "reason"]
    list_select_related = ["agent", "user"]
    date_hierarchy = "started_at"
    fields = ["agent", "user", "reason", "started_at", "ended_at", "ip"]
    readonly_fields = fields


def link_audit_trail_from_change_pages(site=admin.site) -> None:
    """Give the change page of every audited model an "Audit trail" link (unless it has its own template)."""
    for model in audited_models():
        model_admin = site._registry.get(model)
        if model_admin is not None and model_admin.change_form_template is None:
            model_admin.change_form_template = "audit/admin/change_form.html"
