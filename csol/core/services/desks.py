"""Agent desk groups: each desk gets the model permissions of the apps it runs."""

from django.conf import settings
from django.contrib.auth.models import Group, Permission

DESK_GROUP_NAMES = {
    "orders": "Orders desk",
    "billing": "Billing desk",
    "contracts": "Contracts desk",
    "collections": "Collections desk",
    "service": "Service desk",
}


def desk_groups_sync() -> dict[str, Group]:
    """Create or refresh one group per desk; every desk may also view customers, sites and partners."""
    shared = Permission.objects.filter(
        content_type__app_label="core",
        codename__in=[
            "view_customer",
            "view_site",
            "view_partner",
            "view_partnerauthorisation",
            "view_membership",
            "view_user",
        ],
    )
    # Every desk reads the audit trail and the view-as sessions (csol.audit); nobody may change them.
    shared = shared | Permission.objects.filter(
        content_type__app_label="audit", codename__in=["view_auditevent", "view_impersonationsession"]
    )
    groups = {}
    for desk, app_labels in settings.CSOL_DESKS.items():
        group, _ = Group.objects.get_or_create(name=DESK_GROUP_NAMES[desk])
        perms = Permission.objects.filter(content_type__app_label__in=app_labels)
        group.permissions.set(list(perms) + list(shared))
        groups[desk] = group
    return groups


def desk_groups_sync_after_migrate(sender, **kwargs):
    """post_migrate fires once per app; sync after the last one, when every permission exists."""
    from django.apps import apps

    if sender.name == list(apps.get_app_configs())[-1].name:
        desk_groups_sync()
