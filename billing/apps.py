from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _dashboard_card(viewer):
    from django.urls import reverse

    from billing.selectors import invoice_amounts_due
    from csol.core.money import format_money
    from csol.portal.registry import DashboardCard, DashboardLine

    amounts = invoice_amounts_due(viewer=viewer)
    url = reverse("billing:list")
    return DashboardCard(
        title=_("Invoices"),
        lines=[
            DashboardLine(
                _("Open invoices (%(count)s)") % {"count": amounts["open_count"]},
                format_money(amounts["open"] or 0),
                f"{url}?status=open",
            ),
            DashboardLine(
                _("Overdue (%(count)s)") % {"count": amounts["overdue_count"]},
                format_money(amounts["overdue"] or 0),
                f"{url}?status=overdue",
            ),
        ],
        action_label=_("See the invoices"),
        action_url=url,
    )


def _restore_tax_rates(sender, using="default", **kwargs):
    """After migrate or a flush (transactional tests), the default tax rates are there again."""
    from django.db import connections

    from billing.models import TaxRate
    from billing.rates import ensure_default_rates

    # Not after `migrate billing zero` (or any state without the table).
    if TaxRate._meta.db_table in connections[using].introspection.table_names():
        ensure_default_rates(TaxRate, using=using)


class BillingConfig(AppConfig):
    name = "billing"
    label = "billing"
    verbose_name = _("Invoices")

    def ready(self):
        from django.db.models.signals import post_migrate

        from billing import receivers  # noqa: F401  (renews the invoice list's totals version)
        from csol.portal.registry import Area, register_area

        post_migrate.connect(_restore_tax_rates, sender=self)

        register_area(
            Area(
                key="billing",
                label=_("Invoices"),
                url_name="billing:list",
                order=40,
                visible=lambda viewer: viewer.is_agent or bool(viewer.selectable_customer_ids()),
                dashboard_card=_dashboard_card,
            )
        )
