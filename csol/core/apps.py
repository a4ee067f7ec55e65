from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "csol.core"
    label = "core"
    verbose_name = _("Customers and users")

    def ready(self):
        from csol.core import receivers
        from csol.core.services.desks import desk_groups_sync_after_migrate

        receivers.connect()

        post_migrate.connect(desk_groups_sync_after_migrate, dispatch_uid="csol-desk-groups")
