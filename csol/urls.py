"""Root URLs: every page lives under /fr/ or /en/; `/` sends a visitor to their language."""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from csol import health
from csol.portal import views as portal_views

admin.site.site_header = _("CSOL back office")
admin.site.site_title = _("CSOL back office")
admin.site.index_title = _("Customer support operations")

urlpatterns = [
    path("i18n/setlang/", portal_views.set_language, name="set_language"),
    path("healthz", health.healthz, name="healthz"),  # also answered by csol.health.HealthCheckMiddleware
]

urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("accounts/", include("csol.accounts.urls")),
    path("audit/", include("csol.audit.urls")),
    path("security/", include("csol.security.urls")),
    path("orders/", include("orders.urls")),
    path("contracts/", include("contracts.urls")),
    path("installed-base/", include("inventory.urls")),
    path("invoices/", include("billing.urls")),
    path("account/", include("collections_ar.urls")),
    path("service/", include("csol.servicedesk.urls")),
    path("", include("csol.portal.urls")),
    prefix_default_language=True,
)
