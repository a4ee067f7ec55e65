from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Language(models.TextChoices):
    FRENCH = "fr", _("French")
    ENGLISH = "en", _("English")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        # Emails are stored lower-case; sign-in is case-insensitive.
        return self.get(**{self.model.USERNAME_FIELD: username.lower()})

    def access_changed(self, *, user_ids=(), customer_ids=(), partner_ids=()) -> None:
        """Make the cached access (csol.core.tenancy) of the users concerned unreachable at once."""
        users = models.Q(pk__in=list(user_ids))
        if customer_ids:
            # Its members, and the partners' users acting for it (their switcher shows its name).
            users |= models.Q(memberships__customer_id__in=list(customer_ids))
            users |= models.Q(partner__authorisations__customer_id__in=list(customer_ids))
        if partner_ids:
            users |= models.Q(partner_id__in=list(partner_ids))
        # One UPDATE that loads no row (a customer may have many users).
        concerned = self.filter(pk__in=self.filter(users).values("pk"))
        concerned.update(access_version=models.F("access_version") + 1)


class AccessRowsQuerySet(models.QuerySet):
    """Rows that decide what users may see: memberships, partner authorisations, customers.

    save() and delete() tell the users' tenancy cache through csol.core.receivers; QuerySet.update()
    sends no signal, so it tells the cache itself. Subclasses name whom their rows concern.
    """

    def _access_targets(self, changes: dict) -> dict[str, set]:
        raise NotImplementedError

    def update(self, **kwargs):
        with transaction.atomic(using=self.db):
            targets = self._access_targets(kwargs)
            rows = super().update(**kwargs)
            User.objects.access_changed(**targets)
        return rows


def ids_concerned(queryset, field: str, changes: dict, *names: str) -> set:
    """The ids in `field` of the rows, and the one an update moves them to (user=, partner=...)."""
    ids = set(queryset.values_list(field, flat=True).order_by())
    for name in names:
        if name in changes:
            ids.add(getattr(changes[name], "pk", changes[name]))
    return ids


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: a customer's employee, a partner's employee, or a CSO agent."""

    email = models.EmailField(_("email address"), max_length=254, unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.FRENCH)
    partner = models.ForeignKey(
        "core.Partner",
        verbose_name=_("business partner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text=_("Set for the employees of a business partner."),
    )
    is_staff = models.BooleanField(
        _("agent"), default=False, help_text=_("CSO agents reach the back office; customers never do.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    # Bumped whenever what the user may see changes (a membership, an authorisation of their partner,
    # a customer they belong to): the tenancy cache (csol.core.tenancy) keys on it. The row is read
    # on every request anyway, so every process sees the change on the user's next request.
    access_version = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]

    def __str__(self):
        return self.full_name or self.email

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email
