"""Keep the tenancy cache honest: any change to who may see what bumps the users' access_version.

The cache (csol.core.tenancy.Viewer._access) holds each user's memberships and partner scopes; these
receivers run on every save and delete of the rows they are read from, in the same transaction.
"""

from django.db.models.signals import post_delete, post_save

from csol.core.models import Customer, Membership, PartnerAuthorisation, User


def membership_changed(sender, instance, **kwargs):
    User.objects.access_changed(user_ids=[instance.user_id])


def authorisation_changed(sender, instance, **kwargs):
    User.objects.access_changed(partner_ids=[instance.partner_id])


def customer_changed(sender, instance, created=False, **kwargs):
    # Its status decides whether its members see it, and the shell shows its name and number.
    if not created:
        User.objects.access_changed(customer_ids=[instance.pk])


def connect():
    for signal in (post_save, post_delete):
        uid = "save" if signal is post_save else "delete"
        signal.connect(membership_changed, sender=Membership, dispatch_uid=f"csol-access-membership-{uid}")
        signal.connect(
            authorisation_changed, sender=PartnerAuthorisation, dispatch_uid=f"csol-access-authorisation-{uid}"
        )
    post_save.connect(customer_changed, sender=Customer, dispatch_uid="csol-access-customer")
