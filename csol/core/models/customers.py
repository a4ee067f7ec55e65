from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from csol.core.models.users import AccessRowsQuerySet, Language, ids_concerned

postal_code_validator = RegexValidator(
    r"^[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] ?\d[ABCEGHJ-NPRSTV-Z]\d$",
    _("Enter a Canadian postal code, for example H2X 1Y4."),
)
gst_number_validator = RegexValidator(
    r"^\d{9}RT\d{4}$", _("A GST/HST number is 9 digits, RT and 4 digits, for example 123456789RT0001.")
)
qst_number_validator = RegexValidator(
    r"^\d{10}TQ\d{4}$", _("A QST number is 10 digits, TQ and 4 digits, for example 1234567890TQ0001.")
)


class Province(models.TextChoices):
    AB = "AB", _("Alberta")
    BC = "BC", _("British Columbia")
    MB = "MB", _("Manitoba")
    NB = "NB", _("New Brunswick")
    NL = "NL", _("Newfoundland and Labrador")
    NS = "NS", _("Nova Scotia")
    NT = "NT", _("Northwest Territories")
    NU = "NU", _("Nunavut")
    ON = "ON", _("Ontario")
    PE = "PE", _("Prince Edward Island")
    QC = "QC", _("Quebec")
    SK = "SK", _("Saskatchewan")
    YT = "YT", _("Yukon")


class CustomerStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CREDIT_HOLD = "credit_hold", _("On credit hold")
    CLOSED = "closed", _("Closed")


def default_language_for(province: str) -> str:
    """Quebec customers get French first (Charter of the French language); others English."""
    return Language.FRENCH if province == Province.QC else Language.ENGLISH


class CustomerQuerySet(AccessRowsQuerySet):
    def _access_targets(self, changes):
        return {"customer_ids": ids_concerned(self, "pk", changes)}


class Customer(models.Model):
    """A commercial customer: a company, never an individual."""

    number = models.CharField(_("customer number"), max_length=20, unique=True)
    legal_name = models.CharField(_("legal name"), max_length=200)
    language = models.CharField(_("preferred language"), max_length=2, choices=Language.choices)
    province = models.CharField(
        _("province or territory"),
        max_length=2,
        choices=Province.choices,
        help_text=_("The customer's address: it decides the sales taxes on services and licences."),
    )
    payment_terms_days = models.PositiveSmallIntegerField(_("payment terms (days)"), default=30)
    credit_limit = models.DecimalField(
        _("credit limit"), max_digits=14, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    status = models.CharField(_("status"), max_length=12, choices=CustomerStatus.choices, default=CustomerStatus.ACTIVE)
    gst_number = models.CharField(
        _("GST/HST number"), max_length=15, blank=True, validators=[gst_number_validator]
    )
    qst_number = models.CharField(_("QST number"), max_length=16, blank=True, validators=[qst_number_validator])
    require_two_factor = models.BooleanField(
        _("require two-step verification"),
        default=False,
        help_text=_("Every user of the company confirms each sign-in with a code from an authenticator app."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["legal_name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(credit_limit__gte=0), name="customer_credit_limit_non_negative"),
            models.CheckConstraint(
                condition=models.Q(status__in=CustomerStatus.values), name="customer_status_valid"
            ),
            models.CheckConstraint(condition=models.Q(language__in=Language.values), name="customer_language_valid"),
        ]

    def __str__(self):
        return f"{self.legal_name} ({self.number})"


class Site(models.Model):
    """An address of a customer: where it is billed, where goods ship, where equipment is installed."""

    customer = models.ForeignKey(Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="sites")
    name = models.CharField(_("site name"), max_length=120)
    street = models.CharField(_("street address"), max_length=200)
    city = models.CharField(_("city"), max_length=100)
    province = models.CharField(_("province or territory"), max_length=2, choices=Province.choices)
    postal_code = models.CharField(_("postal code"), max_length=7, validators=[postal_code_validator])
    is_bill_to = models.BooleanField(_("bill-to"), default=False)
    is_ship_to = models.BooleanField(_("ship-to"), default=False)
    is_installed_at = models.BooleanField(_("installed-at"), default=False)

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["customer", "name"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "name"], name="site_name_unique_per_customer"),
        ]

    def __str__(self):
        return f"{self.name}, {self.city} {self.province}"

    @property
    def address_lines(self) -> list[str]:
        return [self.street, f"{self.city} {self.province}  {self.postal_code}"]
