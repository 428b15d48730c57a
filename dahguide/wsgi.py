"""WSGI entry point (gunicorn dahguide.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dahguide.settings")
application = get_wsgi_application()
