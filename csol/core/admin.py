from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from csol.core.models import Customer, Invitation, Membership, OutboxJob, Partner, PartnerAuthorisation, Site, User


class SiteInline(admin.TabularInline):
    model = Site
    extra = 0


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


class PartnerAuthorisationInline(admin.TabularInline):
    model = PartnerAuthorisation
    extra = 0
    fk_name = "customer"
    readonly_fields = ["granted_at"]
    autocomplete_fields = ["partner"]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["number", "legal_name", "province", "language", "status", "payment_terms_days", "credit_limit"]
    list_filter = ["status", "province", "language"]
    search_fields = ["number", "legal_name", "gst_number"]
    inlines = [SiteInline, MembershipInline, PartnerAuthorisationInline]


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["name", "customer", "city", "province", "postal_code", "is_bill_to", "is_ship_to", "is_installed_at"]
    list_filter = ["province", "is_bill_to", "is_ship_to", "is_installed_at"]
    search_fields = ["name", "city", "postal_code", "customer__legal_name", "customer__number"]
    autocomplete_fields = ["customer"]


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["number", "name"]
    search_fields = ["number", "name"]


@admin.register(PartnerAuthorisation)
class PartnerAuthorisationAdmin(admin.ModelAdmin):
    list_display = ["partner", "customer", "can_order", "can_service_requests", "valid_from", "valid_to", "revoked_at"]
    list_filter = ["can_order", "can_service_requests", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["partner__name", "customer__legal_name", "customer__number"]
    autocomplete_fields = ["partner", "customer"]
    readonly_fields = ["granted_by", "granted_at"]
    actions = ["revoke"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.granted_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Revoke the selected authorisations now"))
    def revoke(self, request, queryset):
        from csol.core.services.partners import partner_authorisation_revoke

        count = sum(
            partner_authorisation_revoke(authorisation=authorisation)
            for authorisation in queryset.filter(revoked_at__isnull=True)
        )
        self.message_user(request, _("%(count)d authorisations revoked.") % {"count": count})


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "customer", "role", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__email", "customer__legal_name", "customer__number"]
    autocomplete_fields = ["user", "customer"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "customer", "role", "created_at", "accepted_at"]
    search_fields = ["email", "customer__legal_name"]
    readonly_fields = ["customer", "email", "role", "invited_by", "created_at", "accepted_at"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "partner", "is_staff", "is_active", "language"]
    list_filter = ["is_staff", "is_active", "language", "groups"]
    search_fields = ["email", "full_name"]
    autocomplete_fields = ["partner"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("full_name", "language", "partner")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),)
    inlines = [MembershipInline]


@admin.register(OutboxJob)
class OutboxJobAdmin(admin.ModelAdmin):
    """Background jobs waiting for (or handed to) the broker; read-only, the sweep does the sending."""

    list_display = ["created_at", "task_name", "state", "attempts", "last_error", "sent_at"]
    list_filter = ["state", "task_name"]
    search_fields = ["=id", "task_name", "last_error"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in OutboxJob._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
