from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "csol.audit"
    label = "audit"
    verbose_name = _("Audit trail")

    def ready(self):
        from csol.audit import checks, receivers  # noqa: F401  (registers checks and receivers)

        receivers.connect_model_receivers()
        # The admin registered every ModelAdmin in its own ready(), which runs before this one.
        from csol.audit.admin import link_audit_trail_from_change_pages

        link_audit_trail_from_change_pages()
