from django.contrib.admin.apps import AdminConfig


class SecureAdminConfig(AdminConfig):
    """django.contrib.admin, with a default site that requires a verified second factor."""

    default_site = "csol.security.admin_site.SecureAdminSite"
