"""The orders card of the portal dashboard."""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from csol.portal.registry import DashboardCard, DashboardLine
from orders.models import Order
from orders.selectors import awaiting_confirmation


def orders_card(viewer) -> DashboardCard | None:
    if viewer.is_agent:
        return None  # agents work from the back office
    url = reverse("orders:list")
    open_count = Order.objects.visible_to(viewer).open().count()
    awaiting = awaiting_confirmation(viewer=viewer).count()
    lines = [DashboardLine(_("Open orders"), open_count, f"{url}?{urlencode({'status': 'open'})}")]
    lines.append(DashboardLine(_("Delivery windows awaiting your confirmation"), awaiting))
    action_label, action_url = "", ""
    if viewer.can("order"):
        action_label, action_url = _("Request an order"), reverse("orders:request")
    return DashboardCard(
        title=_("Orders and delivery"), lines=lines, action_label=action_label, action_url=action_url
    )
