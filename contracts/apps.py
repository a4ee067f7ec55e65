from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "contracts"
    label = "contracts"
    verbose_name = _("Contracts and licences")

    def ready(self):
        from contracts.dashboard import contracts_card
        from csol.portal.registry import Area, register_area

        register_area(
            Area(
                key="contracts",
                label=_("Contracts"),
                url_name="contracts:list",
                order=20,
                visible=lambda viewer: bool(viewer.is_agent or viewer.selectable_customer_ids()),
                dashboard_card=contracts_card,
            )
        )
