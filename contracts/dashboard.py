"""The contracts card of the portal dashboard."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.selectors import dashboard_counts
from csol.portal.registry import DashboardCard, DashboardLine


def contracts_card(viewer) -> DashboardCard | None:
    """Contracts in force, those ending soon, notice deadlines close, open renewal requests."""
    if viewer.is_agent:
        return None  # agents work in the back office
    counts = dashboard_counts(viewer=viewer, today=timezone.localdate())
    list_url = reverse("contracts:list")
    renewals_url = reverse("contracts:renewals")
    return DashboardCard(
        title=_("Contracts and licences"),
        lines=[
            DashboardLine(_("Contracts in force"), counts["in_force"], f"{list_url}?status=active"),
            DashboardLine(_("Ending within 90 days"), counts["ending_90"], f"{list_url}?ending_within=90"),
            DashboardLine(_("Notice deadlines within 30 days"), counts["deadlines_30"], renewals_url),
            DashboardLine(_("Renewal requests in progress"), counts["open_requests"], renewals_url),
        ],
        action_label=_("Open the renewal cockpit"),
        action_url=renewals_url,
    )
