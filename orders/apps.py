from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    label = "orders"
    verbose_name = _("Orders and delivery")

    def ready(self):
        from csol.portal.registry import Area, register_area
        from orders.dashboard import orders_card

        register_area(
            Area(
                key="orders",
                label=_("Orders"),
                url_name="orders:list",
                order=10,
                visible=lambda viewer: viewer.is_agent or bool(viewer.customer_ids()),
                dashboard_card=orders_card,
            )
        )
