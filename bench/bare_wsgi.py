"""gunicorn ``bench.bare_wsgi:application``: bare Django (bench/bare.py), never the app's settings."""

import os

from django.core.wsgi import get_wsgi_application

os.environ["DJANGO_SETTINGS_MODULE"] = "bench.bare"
application = get_wsgi_application()
