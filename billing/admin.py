"""Back office of billing: every action goes through the services (issued documents stay immutable)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from billing.forms import ATTACHMENT_HELP, MultipleFileField
from billing.models import (
    BillingOptions,
    Dispute,
    DisputeAttachment,
    DisputeEmail,
    DisputeEvent,
    DisputeMessage,
    DisputeStatus,
    Invoice,
    InvoiceCounter,
    InvoiceEmail,
    InvoiceEvent,
    InvoiceLine,
    InvoiceStatus,
    InvoiceTax,
    TaxRate,
)
from billing.services import (
    billing_options_update,
    credit_note_create,
    dispute_accept,
    dispute_assign,
    dispute_reject,
    dispute_reply,
    dispute_transition,
    invoice_cancel,
    invoice_draft_create,
    invoice_email_resend,
    invoice_issue,
    invoice_line_add,
    invoice_line_remove,
    invoice_recalculate,
    invoice_update_draft,
)
from csol.core.jobs import enqueue
from csol.core.models import Customer
from csol.core.tenancy import viewer_for


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class InvoiceLineInline(admin.TabularInline):
    """Lines can be added to and removed from drafts only; an issued document's lines are read-only."""

    model = InvoiceLine
    extra = 0
    fields = [
        "line_number",
        "description",
        "reference",
        "quantity",
        "unit_price",
        "net_amount",
        "tax_category",
        "province",
    ]
    readonly_fields = ["line_number", "net_amount"]

    def _draft(self, obj):
        return obj is not None and obj.status == InvoiceStatus.DRAFT

    def has_add_permission(self, request, obj=None):
        # obj is None on the add page: a new document is a draft.
        return (obj is None or self._draft(obj)) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return self._draft(obj) and super().has_delete_permission(request, obj)


class InvoiceTaxInline(ReadOnlyInline):
    model = InvoiceTax
    fields = ["kind", "province", "tax_category", "base", "rate", "amount"]
    readonly_fields = fields


class InvoiceEventInline(ReadOnlyInline):
    model = InvoiceEvent
    fields = ["created_at", "action", "from_status", "to_status", "actor", "note"]
    readonly_fields = fields


class InvoiceEmailInline(ReadOnlyInline):
    model = InvoiceEmail
    fields = ["event", "recipients", "requested_by", "created_at", "sent_at"]
    readonly_fields = fields


DRAFT_FIELDS = ["customer", "bill_to", "kind", "po_number", "reference", "language", "issue_after"]


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "customer", "status", "issue_date", "due_date", "po_number", "total"]
    list_filter = ["kind", "status", "province", "language", ("issue_date", admin.DateFieldListFilter)]
    search_fields = ["number", "po_number", "reference", "customer__number", "customer__legal_name"]
    list_select_related = ["customer"]
    autocomplete_fields = ["customer"]
    date_hierarchy = "issue_date"
    inlines = [InvoiceLineInline, InvoiceTaxInline, InvoiceEventInline, InvoiceEmailInline]
    actions = ["issue_drafts", "resend_emails"]
    change_form_template = "admin/billing/invoice/change_form.html"
    change_list_template = "admin/billing/invoice/change_list.html"

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["customer", "bill_to", "po_number", "reference", "language", "issue_after"]
        return [
            "number",
            "kind",
            "customer",
            "bill_to",
            "status",
            "issue_date",
            "due_date",
            "po_number",
            "reference",
            "province",
            "language",
            "issue_after",
            "net_total",
            "tax_total",
            "total",
            "credited_invoice",
            "credit_reason",
            "grouping_key",
            "pdf",
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        editable = {"po_number", "reference", "bill_to", "language", "issue_after"} if obj.is_draft else set()
        return [f for f in self.get_fields(request, obj) if f not in editable]

    def has_delete_permission(self, request, obj=None):
        # Issued documents are kept (six years, by law); only drafts may go.
        return (obj is None or obj.is_draft) and super().has_delete_permission(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            form.base_fields["bill_to"].required = False
            form.base_fields["language"].required = False
        return form

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            created = invoice_draft_create(
                customer=data["customer"],
                bill_to=data.get("bill_to"),
                po_number=data.get("po_number", ""),
                reference=data.get("reference", ""),
                language=data.get("language") or None,
                issue_after=data.get("issue_after"),
                actor=request.user,
            )
            obj.pk = created.pk
            obj.refresh_from_db()
            return
        if obj.is_draft and form.changed_data:
            invoice_update_draft(
                invoice=obj,
                actor=request.user,
                **{name: data[name] for name in form.changed_data if name in data},
            )

    def save_formset(self, request, form, formset, change):
        if formset.model is not InvoiceLine:
            return super().save_formset(request, form, formset, change)
        invoice = form.instance
        with transaction.atomic():
            instances = formset.save(commit=False)
            for deleted in formset.deleted_objects:
                invoice_line_remove(line=deleted)
            for line in instances:
                invoice_line_add(
                    invoice=invoice,
                    description=line.description,
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    tax_category=line.tax_category,
                    province=line.province,
                    reference=line.reference,
                )
            if invoice.is_draft:
                invoice_recalculate(invoice=Invoice.objects.get(pk=invoice.pk))

    @admin.action(description=_("Issue the selected drafts"), permissions=["change"])
    def issue_drafts(self, request, queryset):
        issued = 0
        for invoice in queryset.filter(status=InvoiceStatus.DRAFT):
            try:
                invoice_issue(invoice=invoice, actor=request.user)
                issued += 1
            except ValidationError as exc:
                self.message_user(request, f"{invoice}: {' '.join(exc.messages)}", messages.ERROR)
        self.message_user(
            request, gettext("%(count)d document(s) issued.") % {"count": issued}, messages.SUCCESS
        )

    @admin.action(description=_("Send the invoice emails again"), permissions=["change"])
    def resend_emails(self, request, queryset):
        count = 0
        for invoice in queryset.exclude(status=InvoiceStatus.DRAFT):
            invoice_email_resend(invoice=invoice, actor=request.user)
            count += 1
        self.message_user(request, gettext("%(count)d email(s) queued.") % {"count": count}, messages.SUCCESS)

    def get_urls(self):
        return [
            path(
                "<int:pk>/credit/",
                self.admin_site.admin_view(self.credit_view),
                name="billing_invoice_credit",
            ),
            path(
                "generate/", self.admin_site.admin_view(self.generate_view), name="billing_invoice_generate"
            ),
            *super().get_urls(),
        ]

    def credit_view(self, request, pk):
        """Cancel (full credit) or credit part of an issued invoice, with a reason."""
        invoice = get_object_or_404(Invoice, pk=pk)
        if not self.has_change_permission(request, invoice):
            raise PermissionDenied
        form = CreditForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                if form.cleaned_data["amount"] is None:
                    note = invoice_cancel(
                        invoice=invoice, reason=form.cleaned_data["reason"], actor=request.user
                    )
                else:
                    note = credit_note_create(
                        invoice=invoice,
                        amount=form.cleaned_data["amount"],
                        reason=form.cleaned_data["reason"],
                        actor=request.user,
                    )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                self.message_user(
                    request,
                    gettext("Credit note %(number)s issued.") % {"number": note.number},
                    messages.SUCCESS,
                )
                return redirect("admin:billing_invoice_change", note.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "invoice": invoice,
            "title": gettext("Credit invoice %(number)s") % {"number": invoice},
        }
        return TemplateResponse(request, "admin/billing/invoice/credit.html", context)

    def generate_view(self, request):
        """Run invoice generation now, for one customer or all, up to a date (in the background)."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = GenerateForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            from billing.tasks import invoice_generation_run

            customer = form.cleaned_data["customer"]
            enqueue(
                invoice_generation_run,
                form.cleaned_data["on"].isoformat(),
                getattr(customer, "pk", None),
                request.user.pk,
            )
            self.message_user(request, gettext("Invoice generation is queued."), messages.SUCCESS)
            return redirect("admin:billing_invoice_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "title": gettext("Generate invoices"),
        }
        return TemplateResponse(request, "admin/billing/invoice/generate.html", context)


class CreditForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount to credit, taxes included"),
        required=False,
        max_digits=14,
        decimal_places=2,
        help_text=_("Leave empty to cancel the whole invoice."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)


class GenerateForm(forms.Form):
    customer = forms.ModelChoiceField(
        label=_("Customer"),
        queryset=Customer.objects.all(),
        required=False,
        help_text=_("Leave empty for every customer."),
    )
    on = forms.DateField(
        label=_("Invoice what is due up to"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


@admin.register(TaxRate)
class TaxRateAdmin(admin.ModelAdmin):
    list_display = ["province", "kind", "rate", "valid_from", "valid_to"]
    list_filter = ["province", "kind"]
    search_fields = ["province", "kind"]


@admin.register(BillingOptions)
class BillingOptionsAdmin(admin.ModelAdmin):
    list_display = ["customer", "mode", "po_required", "language", "updated_at"]
    list_filter = ["mode", "po_required", "language"]
    search_fields = ["customer__number", "customer__legal_name", "extra_emails"]
    autocomplete_fields = ["customer"]
    readonly_fields = ["updated_by", "updated_at"]

    def save_model(self, request, obj, form, change):
        options = billing_options_update(
            customer=obj.customer,
            actor=request.user,
            **{name: form.cleaned_data[name] for name in ("mode", "po_required", "language", "extra_emails")},
        )
        obj.pk = options.pk


@admin.register(InvoiceCounter)
class InvoiceCounterAdmin(admin.ModelAdmin):
    list_display = ["year", "last_number"]
    search_fields = ["year"]
    list_filter = ["year"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(InvoiceEmail)
class InvoiceEmailAdmin(admin.ModelAdmin):
    list_display = ["invoice", "event", "created_at", "sent_at"]
    list_filter = ["event", ("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["invoice__number", "recipients"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class DisputeMessageInline(ReadOnlyInline):
    model = DisputeMessage
    fields = ["created_at", "author", "from_agent", "body"]
    readonly_fields = fields


class DisputeEventInline(ReadOnlyInline):
    model = DisputeEvent
    fields = ["created_at", "actor", "from_status", "to_status", "note"]
    readonly_fields = fields


class DisputeEmailInline(ReadOnlyInline):
    model = DisputeEmail
    fields = ["sent_at", "key", "recipient", "language"]
    readonly_fields = fields


@admin.register(Dispute)
class DisputeAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "invoice",
        "customer",
        "reason",
        "amount",
        "status",
        "assigned_to",
        "target_response_date",
        "created_at",
    ]
    list_filter = [
        "status",
        "reason",
        ("assigned_to", admin.RelatedOnlyFieldListFilter),
        "target_response_date",
    ]
    search_fields = ["invoice__number", "invoice__customer__number", "invoice__customer__legal_name"]
    list_select_related = ["invoice", "invoice__customer", "assigned_to"]
    readonly_fields = [
        "invoice",
        "status",
        "amount",
        "reason",
        "lines",
        "opened_by",
        "created_at",
        "agreed_amount",
        "resolution",
        "credit_note",
        "updated_at",
    ]
    fields = [
        "invoice",
        "status",
        "reason",
        "amount",
        "lines",
        "opened_by",
        "created_at",
        "assigned_to",
        "target_response_date",
        "agreed_amount",
        "resolution",
        "credit_note",
        "updated_at",
    ]
    inlines = [DisputeMessageInline, DisputeEventInline, DisputeEmailInline]
    change_form_template = "admin/billing/dispute/change_form.html"
    actions = ["assign_to_me"]

    @admin.display(description=_("customer"), ordering="invoice__customer__legal_name")
    def customer(self, obj):
        return obj.invoice.customer

    def has_add_permission(self, request):
        return False  # customers open disputes from the portal

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        changed = [f for f in form.changed_data if f in ("assigned_to", "target_response_date")]
        if "assigned_to" in changed and obj.assigned_to is not None:
            dispute_assign(dispute=obj, agent=obj.assigned_to, actor=request.user)
            changed.remove("assigned_to")
        if changed:
            obj.save(update_fields=[*changed, "updated_at"])

    @admin.action(description=_("Assign to me"), permissions=["change"])
    def assign_to_me(self, request, queryset):
        for dispute in queryset:
            dispute_assign(dispute=dispute, agent=request.user, actor=request.user)

    def get_urls(self):
        return [
            path(
                "<int:pk>/handle/",
                self.admin_site.admin_view(self.handle_view),
                name="billing_dispute_handle",
            ),
            *super().get_urls(),
        ]

    def handle_view(self, request, pk):
        """Reply, review, accept with a credit note, reject with a reason, or close."""
        dispute = get_object_or_404(Dispute.objects.select_related("invoice"), pk=pk)
        if not self.has_change_permission(request, dispute):
            raise PermissionDenied
        form = DisputeHandleForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            action = data["action"]
            try:
                if action == "reply":
                    dispute_reply(
                        dispute=dispute,
                        actor=request.user,
                        viewer=viewer_for(request.user),
                        body=data["message"],
                        files=request.FILES.getlist("attachments"),
                    )
                elif action == "review":
                    dispute_transition(
                        dispute=dispute,
                        to=DisputeStatus.UNDER_REVIEW,
                        actor=request.user,
                        note=data["message"],
                    )
                elif action == "accept":
                    dispute_accept(
                        dispute=dispute, actor=request.user, amount=data["amount"], note=data["message"]
                    )
                elif action == "reject":
                    dispute_reject(dispute=dispute, actor=request.user, reason=data["message"])
                elif action == "close":
                    dispute_transition(
                        dispute=dispute, to=DisputeStatus.CLOSED, actor=request.user, note=data["message"]
                    )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                self.message_user(request, gettext("The dispute is updated."), messages.SUCCESS)
                return redirect(reverse("admin:billing_dispute_change", args=[dispute.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "dispute": dispute,
            "title": gettext("Handle dispute %(id)s") % {"id": dispute.pk},
        }
        return TemplateResponse(request, "admin/billing/dispute/handle.html", context)


class DisputeHandleForm(forms.Form):
    ACTIONS = [
        ("reply", _("Reply to the customer")),
        ("review", _("Put under review")),
        ("accept", _("Accept and issue a credit note")),
        ("reject", _("Reject (the message is the reason)")),
        ("close", _("Close")),
    ]
    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    message = forms.CharField(
        label=_("Message"), widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=5000
    )
    amount = forms.DecimalField(
        label=_("Agreed amount, taxes included"),
        required=False,
        max_digits=14,
        decimal_places=2,
        help_text=_("For an acceptance; the disputed amount by default."),
    )
    attachments = MultipleFileField(label=_("Attachments"), required=False, help_text=ATTACHMENT_HELP)

    def clean(self):
        data = super().clean()
        if data.get("action") in ("reply", "reject") and not data.get("message", "").strip():
            self.add_error("message", _("A message is required for this action."))
        return data


@admin.register(DisputeAttachment)
class DisputeAttachmentAdmin(admin.ModelAdmin):
    list_display = ["original_name", "message", "content_type", "size"]
    list_filter = ["content_type"]
    search_fields = ["original_name", "message__dispute__invoice__number"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
