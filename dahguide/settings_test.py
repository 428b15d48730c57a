"""Fast, deterministic settings for the test suite."""

from .settings import *  # noqa: F403
from .settings import STORAGES

# pytest-django forces DEBUG off; manifest storage would then need collectstatic first.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
