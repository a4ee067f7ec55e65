from django.apps import apps
from django.conf import settings
from django.core import checks


@checks.register()
def audited_models_exist(app_configs, **kwargs):
    """Every label in AUDITED_MODELS names an installed model (a typo would silently audit nothing)."""
    errors = []
    for label in settings.AUDITED_MODELS:
        try:
            apps.get_model(label)
        except (LookupError, ValueError):
            errors.append(
                checks.Error(
                    f"AUDITED_MODELS names {label!r}, which is not an installed model.", id="audit.E001"
                )
            )
    return errors
