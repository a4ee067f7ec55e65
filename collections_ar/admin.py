"""Back office for receivables. Money moves only through the services (admin actions call them);
the running totals and applied amounts are read-only here."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from collections_ar import models
from collections_ar.forms import AllocationReverseForm
from collections_ar.services import (
    allocation_reverse,
    customer_credit_hold_set,
    payment_allocate_oldest_first,
    payment_transition,
    promise_transition,
)
from collections_ar.services.remittance import remittance_advice_reconcile, remittance_line_leave_unmatched


def _run(modeladmin, request, queryset, func, done):
    count = 0
    for obj in queryset:
        try:
            func(obj)
            count += 1
        except ValidationError as exc:
            modeladmin.message_user(request, f"{obj}: {' '.join(exc.messages)}", messages.ERROR)
    if count:
        modeladmin.message_user(request, done % {"count": count}, messages.SUCCESS)


class AllocationInline(admin.TabularInline):
    model = models.Allocation
    extra = 0
    can_delete = False
    fields = [
        "invoice",
        "amount",
        "created_by",
        "created_at",
        "reversed_at",
        "reversed_by",
        "reversal_reason",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(models.Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ["number", "customer", "received_on", "method", "amount", "allocated", "status"]
    list_filter = ["status", "method", "received_on"]
    search_fields = ["number", "reference", "customer__number", "customer__legal_name"]
    date_hierarchy = "received_on"
    list_select_related = ["customer"]
    readonly_fields = [
        "number",
        "customer",
        "received_on",
        "method",
        "amount",
        "allocated",
        "status",
        "created_by",
        "created_at",
    ]
    inlines = [AllocationInline]
    actions = ["allocate_oldest_first", "void"]

    def has_add_permission(self, request):
        return False  # recorded on the agents' payment page, through the service

    @admin.action(description=_("Apply to the oldest open invoices"), permissions=["change"])
    def allocate_oldest_first(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda p: payment_allocate_oldest_first(payment=p, actor=request.user),
            _("%(count)s payments applied."),
        )

    @admin.action(description=_("Void (nothing allocated)"), permissions=["change"])
    def void(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda p: payment_transition(payment=p, to=models.PaymentStatus.VOID, actor=request.user),
            _("%(count)s payments voided."),
        )


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by the services: visible and searchable, never edited by hand."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReversedFilter(admin.SimpleListFilter):
    title = _("reversed")
    parameter_name = "reversed"

    def lookups(self, request, model_admin):
        return [("no", _("In force")), ("yes", _("Reversed"))]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.in_force()
        if self.value() == "yes":
            return queryset.filter(reversed_at__isnull=False)
        return queryset


@admin.register(models.Allocation)
class AllocationAdmin(ReadOnlyAdmin):
    list_display = ["payment", "invoice", "amount", "created_by", "created_at", "reversed_at", "reversed_by"]
    list_filter = [ReversedFilter, "created_at"]
    search_fields = ["payment__number", "invoice__number", "payment__customer__number"]
    list_select_related = ["payment", "invoice", "created_by", "reversed_by"]
    actions = ["reverse"]

    def has_reverse_permission(self, request):
        return request.user.has_perm("collections_ar.change_allocation")

    @admin.action(description=_("Reverse the selected allocations"), permissions=["reverse"])
    def reverse(self, request, queryset):
        """Ask the reason, then reverse each allocation through the service (one refusal stops none)."""
        form = AllocationReverseForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            reason = form.cleaned_data["reason"]
            _run(
                self,
                request,
                queryset.order_by("pk"),
                lambda allocation: allocation_reverse(
                    allocation=allocation, actor=request.user, reason=reason
                ),
                _("%(count)s allocations reversed."),
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Reverse allocations"),
            "allocations": queryset.select_related("payment", "invoice"),
            "form": form,
        }
        return TemplateResponse(request, "admin/collections_ar/allocation/reverse.html", context)


@admin.register(models.CreditApplication)
class CreditApplicationAdmin(ReadOnlyAdmin):
    list_display = ["credit_note", "invoice", "amount", "applied_on", "created_by"]
    list_filter = ["applied_on"]
    search_fields = ["credit_note__number", "invoice__number", "invoice__customer__number"]
    list_select_related = ["credit_note", "invoice", "created_by"]


@admin.register(models.WriteOff)
class WriteOffAdmin(ReadOnlyAdmin):
    list_display = ["invoice", "amount", "reason", "written_off_on", "created_by"]
    list_filter = ["reason", "written_off_on"]
    search_fields = ["invoice__number", "invoice__customer__number", "note"]
    list_select_related = ["invoice", "created_by"]


@admin.register(models.InvoiceAccount)
class InvoiceAccountAdmin(ReadOnlyAdmin):
    list_display = ["invoice", "customer", "total", "paid", "credited", "written_off", "open_balance"]
    search_fields = ["invoice__number", "customer__number", "customer__legal_name"]
    list_select_related = ["invoice", "customer"]
    list_filter = ["invoice__kind", "invoice__status"]


@admin.register(models.ReceivableEvent)
class ReceivableEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "customer", "kind", "payment", "invoice", "amount", "actor"]
    fields = ["customer", "kind", "payment", "invoice", "amount", "note", "actor"]
    list_filter = ["kind", "created_at"]
    search_fields = ["customer__number", "payment__number", "invoice__number", "note"]
    list_select_related = ["customer", "payment", "invoice", "actor"]


@admin.register(models.CustomerCreditProfile)
class CustomerCreditProfileAdmin(admin.ModelAdmin):
    list_display = ["customer", "do_not_dun", "auto_credit_hold", "annual_interest_rate", "updated_at"]
    list_filter = ["do_not_dun", "auto_credit_hold"]
    search_fields = ["customer__number", "customer__legal_name"]
    autocomplete_fields = ["customer"]
    actions = ["hold", "release"]

    @admin.action(description=_("Put on credit hold"), permissions=["change"])
    def hold(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda p: customer_credit_hold_set(
                customer=p.customer, hold=True, actor=request.user, reason=str(_("From the back office"))
            ),
            _("%(count)s customers put on credit hold."),
        )

    @admin.action(description=_("Release the credit hold"), permissions=["change"])
    def release(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda p: customer_credit_hold_set(customer=p.customer, hold=False, actor=request.user),
            _("%(count)s credit holds released."),
        )


@admin.register(models.CollectionNote)
class CollectionNoteAdmin(admin.ModelAdmin):
    list_display = ["customer", "created_at", "author", "text"]
    list_filter = ["created_at"]
    search_fields = ["customer__number", "customer__legal_name", "text"]
    list_select_related = ["customer", "author"]
    readonly_fields = ["author", "created_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.author = request.user
        super().save_model(request, obj, form, change)


@admin.register(models.PromiseToPay)
class PromiseToPayAdmin(admin.ModelAdmin):
    list_display = ["customer", "promised_on", "amount", "status", "created_by"]
    list_filter = ["status", "promised_on"]
    search_fields = ["customer__number", "customer__legal_name", "note"]
    list_select_related = ["customer", "created_by"]
    readonly_fields = ["status", "created_by", "created_at"]
    actions = ["kept", "broken"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Mark as kept"), permissions=["change"])
    def kept(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda p: promise_transition(promise=p, to=models.PromiseStatus.KEPT, actor=request.user),
            _("%(count)s promises updated."),
        )

    @admin.action(description=_("Mark as broken"), permissions=["change"])
    def broken(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda p: promise_transition(promise=p, to=models.PromiseStatus.BROKEN, actor=request.user),
            _("%(count)s promises updated."),
        )


class RemittanceLineInline(admin.TabularInline):
    model = models.RemittanceLine
    extra = 0
    can_delete = False
    fields = [
        "line_number",
        "received_on",
        "amount",
        "payer_reference",
        "details",
        "status",
        "match_kind",
        "customer",
        "payment",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(models.RemittanceImport)
class RemittanceImportAdmin(ReadOnlyAdmin):
    list_display = ["file_name", "imported_at", "imported_by", "rows_read", "rows_recorded", "rows_duplicate"]
    list_filter = ["imported_at"]
    search_fields = ["file_name", "file_hash"]
    inlines = [RemittanceLineInline]


@admin.register(models.RemittanceLine)
class RemittanceLineAdmin(ReadOnlyAdmin):
    list_display = [
        "remittance_import",
        "line_number",
        "received_on",
        "amount",
        "payer_reference",
        "status",
        "match_kind",
        "customer",
    ]
    list_filter = ["status", "match_kind", "received_on"]
    search_fields = ["payer_reference", "details", "customer__number"]
    list_select_related = ["remittance_import", "customer"]
    actions = ["leave_unmatched"]

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("collections_ar.change_remittanceline") and obj is None

    @admin.action(description=_("Leave unmatched"), permissions=["change"])
    def leave_unmatched(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda line: remittance_line_leave_unmatched(line=line, actor=request.user),
            _("%(count)s lines left unmatched."),
        )


@admin.register(models.PayerReference)
class PayerReferenceAdmin(admin.ModelAdmin):
    list_display = ["reference", "customer"]
    search_fields = ["reference", "customer__number", "customer__legal_name"]
    autocomplete_fields = ["customer"]


class AdviceLineInline(admin.TabularInline):
    model = models.RemittanceAdviceLine
    extra = 0
    readonly_fields = ["invoice", "amount"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(models.RemittanceAdvice)
class RemittanceAdviceAdmin(admin.ModelAdmin):
    list_display = ["customer", "paid_on", "method", "reference", "amount", "status", "created_at"]
    list_filter = ["status", "method", "paid_on"]
    search_fields = ["customer__number", "customer__legal_name", "reference"]
    list_select_related = ["customer"]
    readonly_fields = [
        "customer",
        "paid_on",
        "method",
        "reference",
        "amount",
        "note",
        "attachment",
        "attachment_name",
        "status",
        "submitted_by",
        "created_at",
    ]
    inlines = [AdviceLineInline]
    actions = ["reconciled"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Mark as reconciled"), permissions=["change"])
    def reconciled(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda a: remittance_advice_reconcile(advice=a, actor=request.user),
            _("%(count)s remittance advices reconciled."),
        )


@admin.register(models.DunningReminder)
class DunningReminderAdmin(ReadOnlyAdmin):
    list_display = ["invoice", "level", "offset_days", "status", "run_on", "created_at"]
    list_filter = ["status", "level", "run_on"]
    search_fields = ["invoice__number", "invoice__customer__number"]
    list_select_related = ["invoice"]
