"""Back office: contracts, entitlements, documents, renewal requests and reminder history.

Status changes go through the services (admin actions), never through the edit form.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts import services
from contracts.models import (
    BillingPeriod,
    Contract,
    ContractDocument,
    ContractEvent,
    ContractStatus,
    Entitlement,
    RenewalReminder,
    RenewalRequest,
    RenewalRequestLine,
)
from csol.core.uploads import validate_uploads


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ContractDocumentForm(forms.ModelForm):
    class Meta:
        model = ContractDocument
        fields = ["title", "file"]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload and not self.instance.pk:
            validate_uploads([upload], services.CONTRACT_DOCUMENTS)
        return upload


class ContractDocumentInline(admin.TabularInline):
    model = ContractDocument
    form = ContractDocumentForm
    extra = 1
    fields = ["title", "file", "original_name", "size", "uploaded_by", "uploaded_at"]
    readonly_fields = ["original_name", "size", "uploaded_by", "uploaded_at"]


class BillingPeriodInline(ReadOnlyInline):
    model = BillingPeriod
    fields = ["start_date", "end_date", "due_on", "amount"]
    readonly_fields = fields


class ContractEventInline(ReadOnlyInline):
    model = ContractEvent
    fields = ["at", "from_status", "to_status", "note", "actor"]
    readonly_fields = fields


class RenewalReminderInline(ReadOnlyInline):
    model = RenewalReminder
    fields = ["offset_days", "term_end", "created_at", "sent_at", "recipients"]
    readonly_fields = fields


class TerminateForm(forms.Form):
    on = forms.DateField(label=_("Terminated on"), initial=timezone.localdate)
    reason = forms.CharField(label=_("Reason"), max_length=250)


class ProcessRenewalForm(forms.Form):
    months = forms.IntegerField(
        label=_("Term (months)"),
        required=False,
        min_value=1,
        max_value=120,
        help_text=_("Empty: same as the old term."),
    )
    amount_per_period = forms.DecimalField(
        label=_("Amount per period"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        help_text=_("Empty: same as the old term."),
    )
    note = forms.CharField(label=_("Note to the customer"), max_length=250, required=False)


class DeclineForm(forms.Form):
    note = forms.CharField(label=_("Reason given to the customer"), max_length=250)


def _form_action(modeladmin, request, queryset, *, form_class, title, apply):
    """An admin action with an intermediate form; `apply(obj, cleaned_data)` calls one service per row."""
    form = form_class(request.POST if "apply" in request.POST else None)
    if "apply" in request.POST and form.is_valid():
        done = 0
        for obj in queryset:
            try:
                apply(obj, form.cleaned_data)
                done += 1
            except ValidationError as exc:
                modeladmin.message_user(request, f"{obj}: {' '.join(exc.messages)}", messages.ERROR)
        if done:
            modeladmin.message_user(request, _("%(count)d done.") % {"count": done}, messages.SUCCESS)
        return None
    return TemplateResponse(
        request,
        "admin/contracts/action_form.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "form": form,
            "objects": queryset,
            "action": request.POST.get("action"),
            "opts": modeladmin.model._meta,
        },
    )


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "customer",
        "kind",
        "status",
        "start_date",
        "end_date",
        "cancellation_deadline",
        "auto_renew",
        "billing_frequency",
        "amount_per_period",
    ]
    list_filter = ["status", "kind", "auto_renew", "billing_frequency", "end_date"]
    search_fields = ["number", "description", "customer__number", "customer__legal_name"]
    date_hierarchy = "end_date"
    autocomplete_fields = ["customer", "contacts"]
    list_select_related = ["customer"]
    readonly_fields = [
        "status",
        "previous",
        "term_number",
        "cancellation_deadline",
        "non_renewal_noticed_at",
        "non_renewal_noticed_by",
        "terminated_on",
        "created_at",
    ]
    inlines = [ContractDocumentInline, BillingPeriodInline, ContractEventInline, RenewalReminderInline]
    actions = ["activate", "terminate", "renew", "generate_schedule"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.status != ContractStatus.DRAFT:
            # The term and its billing are fixed once in force: a change is a renewal or a termination.
            fields += ["customer", "start_date", "end_date", "billing_frequency", "amount_per_period"]
        return fields

    @admin.display(description=_("cancellation deadline"))
    def cancellation_deadline(self, obj):
        return obj.cancellation_deadline or "—"

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        with transaction.atomic():
            obj.save()
            services._event(obj, actor=request.user, to_status=obj.status, note=_("Contract created"))

    def save_formset(self, request, form, formset, change):
        if formset.model is not ContractDocument:
            return super().save_formset(request, form, formset, change)
        for document in formset.save(commit=False):
            if not document.pk:
                upload = document.file
                document.original_name = (upload.name or "document.pdf")[:200]
                document.size = upload.size
                document.uploaded_by = request.user
                document.save()
                services._event(
                    document.contract,
                    actor=request.user,
                    note=_("Document attached: %(title)s") % {"title": document.title},
                )
            else:
                document.save()
        for document in formset.deleted_objects:
            document.delete()

    @admin.action(description=_("Activate (put in force, lay out the billing schedule)"))
    def activate(self, request, queryset):
        for contract in queryset:
            try:
                services.contract_activate(contract=contract, actor=request.user)
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)

    @admin.action(description=_("Terminate"))
    def terminate(self, request, queryset):
        return _form_action(
            self,
            request,
            queryset,
            form_class=TerminateForm,
            title=_("Terminate contracts"),
            apply=lambda c, data: services.contract_terminate(
                contract=c, actor=request.user, on=data["on"], reason=data["reason"]
            ),
        )

    @admin.action(description=_("Renew (new term)"))
    def renew(self, request, queryset):
        return _form_action(
            self,
            request,
            queryset,
            form_class=ProcessRenewalForm,
            title=_("Renew contracts"),
            apply=lambda c, data: services.contract_renew(
                contract=c,
                actor=request.user,
                months=data["months"],
                amount_per_period=data["amount_per_period"],
                note=data["note"],
            ),
        )

    @admin.action(description=_("Lay out the missing billing periods"))
    def generate_schedule(self, request, queryset):
        for contract in queryset.exclude(status=ContractStatus.DRAFT):
            services.billing_schedule_generate(contract=contract)


class EntitlementForm(forms.ModelForm):
    class Meta:
        model = Entitlement
        fields = [
            "customer",
            "contract",
            "product",
            "metric",
            "quantity",
            "term_start",
            "term_end",
            "licence_key",
        ]

    def clean(self):
        cleaned = super().clean()
        contract, customer = cleaned.get("contract"), cleaned.get("customer")
        if contract and customer and contract.customer_id != customer.pk:
            raise ValidationError({"contract": _("This contract belongs to another customer.")})
        return cleaned


@admin.register(Entitlement)
class EntitlementAdmin(admin.ModelAdmin):
    form = EntitlementForm
    list_display = [
        "product",
        "customer",
        "contract",
        "metric",
        "quantity",
        "term_start",
        "term_end",
        "licence_key",
        "granted_by",
        "granted_at",
    ]
    list_filter = ["metric", "term_end"]
    search_fields = [
        "licence_key",
        "customer__number",
        "customer__legal_name",
        "contract__number",
        "product__sku",
    ]
    autocomplete_fields = ["customer", "contract"]
    raw_id_fields = ["product"]
    list_select_related = ["product", "customer", "contract", "granted_by"]
    readonly_fields = ["granted_by", "granted_at", "renewed_from"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.granted_by = request.user
            obj.granted_at = timezone.now()
        super().save_model(request, obj, form, change)


class RenewalRequestLineInline(ReadOnlyInline):
    model = RenewalRequestLine
    fields = ["entitlement", "current_quantity", "requested_quantity"]
    readonly_fields = fields


@admin.register(RenewalRequest)
class RenewalRequestAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "contract",
        "status",
        "po_number",
        "requested_by",
        "requested_at",
        "processed_by",
        "renewed_contract",
    ]
    list_filter = ["status", "requested_at"]
    search_fields = [
        "contract__number",
        "contract__customer__number",
        "contract__customer__legal_name",
        "po_number",
    ]
    list_select_related = ["contract", "requested_by", "processed_by", "renewed_contract"]
    readonly_fields = [
        "contract",
        "status",
        "po_number",
        "message",
        "requested_by",
        "requested_at",
        "processed_by",
        "processed_at",
        "agent_note",
        "renewed_contract",
    ]
    inlines = [RenewalRequestLineInline]
    actions = ["process", "decline"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Process into a renewed term"))
    def process(self, request, queryset):
        return _form_action(
            self,
            request,
            queryset,
            form_class=ProcessRenewalForm,
            title=_("Process renewal requests"),
            apply=lambda r, data: services.renewal_request_process(
                request=r,
                actor=request.user,
                months=data["months"],
                amount_per_period=data["amount_per_period"],
                note=data["note"],
            ),
        )

    @admin.action(description=_("Decline"))
    def decline(self, request, queryset):
        return _form_action(
            self,
            request,
            queryset,
            form_class=DeclineForm,
            title=_("Decline renewal requests"),
            apply=lambda r, data: services.renewal_request_decline(
                request=r, actor=request.user, note=data["note"]
            ),
        )


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RenewalReminder)
class RenewalReminderAdmin(ReadOnlyAdmin):
    list_display = ["contract", "offset_days", "term_end", "created_at", "sent_at", "recipients"]
    list_filter = ["offset_days", ("sent_at", admin.EmptyFieldListFilter), "created_at"]
    search_fields = ["contract__number", "contract__customer__number", "recipients"]
    list_select_related = ["contract"]


@admin.register(BillingPeriod)
class BillingPeriodAdmin(ReadOnlyAdmin):
    list_display = ["contract", "start_date", "end_date", "due_on", "amount"]
    list_filter = ["due_on"]
    search_fields = ["contract__number", "contract__customer__number"]
    list_select_related = ["contract"]


@admin.register(ContractEvent)
class ContractEventAdmin(ReadOnlyAdmin):
    list_display = ["contract", "at", "from_status", "to_status", "note", "actor"]
    list_filter = ["to_status", "at"]
    search_fields = ["contract__number", "note"]
    list_select_related = ["contract", "actor"]


@admin.register(ContractDocument)
class ContractDocumentAdmin(ReadOnlyAdmin):
    list_display = ["title", "contract", "original_name", "size", "uploaded_by", "uploaded_at"]
    list_filter = ["uploaded_at"]
    search_fields = ["title", "contract__number", "original_name"]
    list_select_related = ["contract", "uploaded_by"]
