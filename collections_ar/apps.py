from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CollectionsArConfig(AppConfig):
    name = "collections_ar"
    label = "collections_ar"
    verbose_name = _("Receivables")

    def ready(self):
        from collections_ar import portal, signals  # noqa: F401  (registers the area, panel and listener)
