"""Test settings: production settings (DEBUG off) with a throwaway key and fast, in-process parts."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")

from csol.settings import *  # noqa: E402,F403

# Tasks run in-process whatever the broker; tests of the broker itself override this.
CELERY_TASK_ALWAYS_EAGER = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed: tests only
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = BASE_DIR / "var" / "test-private"  # noqa: F405
AXES_ENABLED = True
