from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "csol.portal"
    label = "portal"
    verbose_name = _("Portal")

    def ready(self):
        from csol.portal.registry import Area, register_area

        register_area(
            Area(
                key="team",
                label=_("Users"),
                url_name="accounts:team",
                order=900,
                visible=lambda viewer: viewer.active_customer_id is not None and viewer.can("manage_users"),
            )
        )
