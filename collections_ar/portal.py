"""Receivables in the portal shell: navigation area, dashboard card, panel on invoice pages."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from billing.hooks import invoice_detail_panel
from csol.core.money import format_money
from csol.portal.registry import Area, DashboardCard, DashboardLine, register_area


def _visible(viewer) -> bool:
    return viewer.is_agent or bool(viewer.customer_ids())


def dashboard_card(viewer):
    from collections_ar.selectors import account_summary, aging_totals

    if viewer.is_agent:
        totals = aging_totals()
        return DashboardCard(
            title=str(_("Receivables")),
            lines=[
                DashboardLine(str(_("Open invoices")), format_money(totals.total)),
                DashboardLine(str(_("Overdue")), format_money(totals.overdue)),
                DashboardLine(str(_("In dispute")), format_money(totals.disputed)),
            ],
            action_label=str(_("Collector worklist")),
            action_url=reverse("collections_ar:worklist"),
        )
    customer = viewer.active_customer
    if customer is None:
        return None
    summary = account_summary(customer=customer)
    url = reverse("collections_ar:account", kwargs={"number": customer.number})
    return DashboardCard(
        title=str(_("Your account")),
        lines=[
            DashboardLine(str(_("Balance")), format_money(summary.balance)),
            DashboardLine(str(_("Overdue")), format_money(summary.overdue)),
        ],
        action_label=str(_("Statement of account")),
        action_url=url,
    )


@invoice_detail_panel
def invoice_panel(*, invoice, viewer):
    """Payments and credit notes applied to the invoice, and its open balance."""
    from billing.models import DocumentKind
    from collections_ar.selectors import invoice_receivable

    if invoice.kind != DocumentKind.INVOICE or invoice.issue_date is None:
        return None
    return "collections_ar/_invoice_panel.html", {
        "receivable": invoice_receivable(invoice=invoice),
        "viewer": viewer,
    }


register_area(
    Area(
        key="collections_ar",
        label=_("Account"),
        url_name="collections_ar:home",
        order=50,
        visible=_visible,
        dashboard_card=dashboard_card,
    )
)
