from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def _visible(viewer) -> bool:
    return viewer.is_agent or viewer.can("service_request")


def _dashboard_card(viewer):
    from django.urls import reverse

    from csol.portal.registry import DashboardCard, DashboardLine
    from csol.servicedesk.selectors import dashboard_counts

    counts = dashboard_counts(viewer=viewer)
    if viewer.is_agent:
        queue = reverse("servicedesk:queue")
        return DashboardCard(
            title=_("Service requests"),
            lines=[
                DashboardLine(_("Open requests"), counts["open"], queue),
                DashboardLine(_("Assigned to me"), counts["mine"], f"{queue}?assigned=me"),
                DashboardLine(
                    pgettext_lazy("service request", "Overdue"), counts["overdue"], f"{queue}?overdue=on"
                ),
            ],
            action_label=_("Open the queue"),
            action_url=queue,
        )
    listing = reverse("servicedesk:list")
    return DashboardCard(
        title=_("Service requests"),
        lines=[
            DashboardLine(_("Open requests"), counts["open"], listing),
            DashboardLine(_("Waiting on you"), counts["waiting"], f"{listing}?status=waiting"),
        ],
        action_label=_("Submit a service request"),
        action_url=reverse("servicedesk:new"),
    )


class ServicedeskConfig(AppConfig):
    name = "csol.servicedesk"
    label = "servicedesk"
    verbose_name = _("Service desk")

    def ready(self):
        from csol.portal.registry import Area, register_area

        register_area(
            Area(
                key="servicedesk",
                label=_("Service requests"),
                url_name="servicedesk:list",
                order=60,
                visible=_visible,
                dashboard_card=_dashboard_card,
            )
        )
