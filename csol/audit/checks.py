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


@checks.register()
def audited_models_reach_their_customer(app_configs, **kwargs):
    """Every audited model's events can be listed per customer (the user model excepted: a user may
    belong to several customers, and its memberships are audited)."""
    from django.contrib.auth import get_user_model
    from django.core.exceptions import FieldDoesNotExist

    from csol.audit.recorder import audited_models, customer_path
    from csol.core.models import Customer

    errors = []
    for model in audited_models():
        if model is Customer or model is get_user_model():
            continue
        if any(f.attname == "customer_id" for f in model._meta.concrete_fields):
            continue
        path = customer_path(model)
        target = model
        try:
            for hop in (path or "").split("__"):
                target = target._meta.get_field(hop).related_model
        except (FieldDoesNotExist, AttributeError):
            target = None
        if target is not Customer:
            errors.append(
                checks.Error(
                    f"{model._meta.label} is audited but its events would have no customer: give it a "
                    "customer field or a queryset customer_field, or add it to AUDIT_CUSTOMER_PATHS.",
                    id="audit.E002",
                )
            )
    return errors
