"""CSOL settings: everything that differs between machines comes from the environment.

Unset DATABASE_URL means the embedded SQLite file; unset REDIS_URL means Celery runs tasks
eagerly in-process. Production (DEBUG off) refuses to start without SECRET_KEY.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env") if (BASE_DIR / ".env").exists() else None

DEBUG = env.bool("DEBUG", default=False)
if DEBUG:
    SECRET_KEY = env("SECRET_KEY", default="csol-development-only-not-secret")
else:
    SECRET_KEY = env("SECRET_KEY")  # no default: production must set it
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "csol.security.admin_config.SecureAdminConfig",  # django.contrib.admin, with a site that requires 2FA
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    # The shared core: customers, partners, users and roles, the portal shell.
    "csol.core",
    "csol.accounts",
    "csol.portal",
    "csol.audit",
    "csol.security",
    # Domain apps: each uses the core and the selectors of the apps before it.
    "orders",
    "contracts",
    "inventory",
    "billing",
    "collections_ar",
    "csol.servicedesk",
    # Scale data for the benchmarks (manage.py seed_bench); no models.
    "bench",
]

MIDDLEWARE = [
    "csol.health.HealthCheckMiddleware",  # first: load balancers probe by address, over HTTP
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "csol.security.middleware.NoStoreMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "csol.security.middleware.TwoFactorMiddleware",
    "csol.audit.middleware.ImpersonationMiddleware",  # before ViewerMiddleware: the Viewer is whom the agent views as
    "django.contrib.messages.middleware.MessageMiddleware",
    "csol.security.sessions.SessionTimeoutMiddleware",  # after messages: it says why you were signed out
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "csol.core.middleware.ViewerMiddleware",
    "csol.audit.middleware.AuditMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "csol.urls"
WSGI_APPLICATION = "csol.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "csol.portal.context_processors.shell",
            ],
            # Cached loader in every environment: templates are parsed once per process.
            "loaders": [
                (
                    "django.template.loaders.cached.Loader",
                    [
                        "django.template.loaders.filesystem.Loader",
                        "django.template.loaders.app_directories.Loader",
                    ],
                )
            ],
            "builtins": ["csol.core.templatetags.money", "csol.core.templatetags.dates"],
        },
    }
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": env.cache("CACHE_URL", default="locmemcache://csol"),
    # Each process's own memory, for values whose key changes whenever they would (the tenancy
    # cache and the page header, keyed by the user's access_version read on every request): they
    # are never stale, so they need no shared cache and cost no round trip to Redis.
    "local": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "csol-local",
        "OPTIONS": {"MAX_ENTRIES": 20_000},
    },
}
# Sessions are read from the cache when every process shares it (Redis in production): a page then
# costs no session query, and the database still keeps them (cached_db). A per-process memory cache
# would let one process go on serving a session that another has ended: the database alone, then.
CACHE_IS_SHARED = not CACHES["default"]["BACKEND"].endswith(("LocMemCache", "DummyCache"))
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db" if CACHE_IS_SHARED else "django.contrib.sessions.backends.db"
)

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses sign-ins during the cool-off before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # one day
INVITATION_MAX_AGE = timedelta(days=7)

# Two-step verification (csol/security): agents always; customer users when their company requires it.
CSOL_AGENT_TWO_FACTOR = env.bool("CSOL_AGENT_TWO_FACTOR", default=True)
TWO_FACTOR_RECHECK_SECONDS = 300  # a company's new rule reaches signed-in sessions within this delay
OTP_TOTP_ISSUER = "CSOL"

# Failed sign-ins: a cool-off per account and address, never a permanent lock-out.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["csol.formats"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "America/Toronto"

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Private files (invoice PDFs, attachments) live outside the web root and are served by views
# that check who may see them.
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "var" / "private")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Email: development writes readable files to var/mail; tests use locmem (pytest-django).
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.filebased.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = BASE_DIR / "var" / "mail"
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="CSOL <no-reply@csol.example>")

# Celery: Redis when REDIS_URL is set; otherwise every task runs eagerly in-process.
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 600
CELERY_TASK_SOFT_TIME_LIMIT = 540
# Longer than the longest task, so an unacknowledged task is not handed out twice while it runs.
# A broker that does not answer fails fast: the outbox keeps the job and the request carries on.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "socket_connect_timeout": 3}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # workers log through LOGGING below, as structured lines
# The outbox (csol/core/outbox.py): jobs not sent after this many seconds are sent by the sweep.
OUTBOX_SWEEP_AFTER = env.int("OUTBOX_SWEEP_AFTER", default=60)
OUTBOX_CLAIM_TIMEOUT = 300  # a "sending" claim older than this belongs to a dead process
OUTBOX_SWEEP_BATCH = 500
OUTBOX_RETENTION_DAYS = 7
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "invoice-generation": {"task": "billing.tasks.invoice_generation_run", "schedule": 60 * 60},
    "renewal-reminders": {"task": "contracts.tasks.renewal_reminders_run", "schedule": 60 * 60 * 6},
    "dunning": {"task": "collections_ar.tasks.dunning_run", "schedule": 60 * 60 * 6},
    "outbox-sweep": {"task": "csol.core.tasks.outbox_sweep", "schedule": 60},
}
# Renewal reminders go out this many days before a contract ends (contracts.tasks.renewal_reminders_run).
CONTRACT_REMINDER_OFFSETS = env.list("CONTRACT_REMINDER_OFFSETS", cast=int, default=[90, 60, 30])

# Audit trail (csol/audit): every save and delete of these models is recorded with who did it.
# Changes made with QuerySet.update()/bulk_create() bypass it: services save rows one by one.
AUDITED_MODELS = [
    "core.Customer",
    "core.Site",
    "core.User",
    "core.Membership",
    "core.Invitation",
    "core.PartnerAuthorisation",
    "orders.Order",
    "orders.OrderLine",
    "orders.Shipment",
    "orders.DeliveryWindow",
    "contracts.Contract",
    "contracts.Entitlement",
    "contracts.RenewalRequest",
    "inventory.InventoryRecord",
    "inventory.ChangeRequest",
    "billing.Invoice",  # invoices and credit notes
    "billing.InvoiceLine",
    "billing.Dispute",
    "billing.BillingOptions",  # who receives the invoices
    "collections_ar.CustomerCreditProfile",
    "collections_ar.Payment",
    "collections_ar.Allocation",
    "collections_ar.CreditApplication",
    "collections_ar.WriteOff",
    "collections_ar.PromiseToPay",
    "collections_ar.RemittanceAdvice",
    "servicedesk.ServiceRequest",
]
# Audited models with neither a customer field nor a queryset `customer_field`: the path from each to
# its customer, so that its events are listed under the customer (system check audit.E002).
AUDIT_CUSTOMER_PATHS = {
    "billing.InvoiceLine": "invoice__customer",
    "collections_ar.Allocation": "payment__customer",
    "collections_ar.CreditApplication": "invoice__customer",
    "collections_ar.WriteOff": "invoice__customer",
}
AUDIT_EXCLUDED_FIELDS = ["password", "last_login"]
# Behind a load balancer that appends the client's address to X-Forwarded-For.
CSOL_BEHIND_PROXY = env.bool("CSOL_BEHIND_PROXY", default=False)

# Agent desks: each desk group gets the model permissions of these apps (see sync_desk_groups).
CSOL_DESKS = {
    "orders": ["orders", "inventory"],
    "billing": ["billing"],
    "contracts": ["contracts"],
    "collections": ["collections_ar"],
    "service": ["servicedesk"],
}

# A desk's shared mailbox, told of new customer work (disputes, replies) instead of each of its agents:
# "billing=billing@example.com,service=desk@example.com". A desk without one emails its agents.
CSOL_DESK_EMAILS = env.dict("CSOL_DESK_EMAILS", default={})

# The portal's public address, for links in emails sent by background jobs (no request to build from).
CSOL_PORTAL_URL = env("CSOL_PORTAL_URL", default="http://127.0.0.1:8000")

# The supplier's identity printed on invoices and statements.
CSOL_SUPPLIER = {
    "name": "CSO Canada",
    "legal_name": env("SUPPLIER_LEGAL_NAME", default="Services CSO Canada ltée / CSO Canada Services Ltd."),
    "address": ["3600 Steeles Avenue East", "Markham ON  L3R 9Z7"],
    "gst_number": env("SUPPLIER_GST_NUMBER", default="123456789RT0001"),
    "qst_number": env("SUPPLIER_QST_NUMBER", default="1234567890TQ0001"),
    "phone": "1 866 880-2765",
    "phone_letters": "1 866 880-CSOL",
    "email": "cso@csol.example",
}

# Security: production settings pass `manage.py check --deploy`.
SESSION_COOKIE_AGE = 60 * 60 * 12  # absolute lifetime
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)  # csol.security.sessions
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],  # the sentinel, replaced by 'nonce-…' per response
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# Production logs one JSON object per line on stderr (csol/logs.py); development, readable lines.
LOG_FORMAT = env("LOG_FORMAT", default="line" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "line": {"format": "ts=%(asctime)s level=%(levelname)s logger=%(name)s msg=%(message)s"},
        "json": {"()": "csol.logs.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
