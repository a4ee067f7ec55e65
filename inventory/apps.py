from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _visible(viewer) -> bool:
    return viewer.is_agent or bool(viewer.customer_ids())


def _dashboard_card(viewer):
    from django.urls import reverse

    from csol.portal.registry import DashboardCard, DashboardLine
    from inventory.selectors import CoverageFilter, installed_base_summary

    summary = installed_base_summary(viewer=viewer)
    if not summary["records"] and not viewer.is_agent:
        return None
    url = reverse("inventory:list")
    lines = [
        DashboardLine(_("Records in service"), summary["records"], url),
        DashboardLine(
            _("Coverage ending within 90 days"),
            summary["expiring"],
            f"{url}?coverage={CoverageFilter.EXPIRING}",
        ),
        DashboardLine(
            _("Not covered"), summary["not_covered"], f"{url}?coverage={CoverageFilter.NOT_COVERED}"
        ),
    ]
    if summary["pending_changes"]:
        lines.append(DashboardLine(_("Changes awaiting approval"), summary["pending_changes"]))
    return DashboardCard(
        title=_("Installed base"),
        lines=lines,
        action_label=_("Look up a machine"),
        action_url=reverse("inventory:lookup"),
    )


class InventoryConfig(AppConfig):
    name = "inventory"
    label = "inventory"
    verbose_name = _("Installed base")

    def ready(self):
        from csol.portal.registry import Area, register_area
        from inventory.services import records_from_delivered_lines
        from orders.hooks import on_lines_delivered

        register_area(
            Area(
                key="inventory",
                label=_("Installed base"),
                url_name="inventory:list",
                order=30,
                visible=_visible,
                dashboard_card=_dashboard_card,
            )
        )
        on_lines_delivered(records_from_delivered_lines)
