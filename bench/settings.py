"""The production settings, plus one bench-only URL (the baseline view; see bench/urls.py).

Everything else is ``dahguide.settings`` as read from the environment that bench/run sets:
``DAHGUIDE_ENV=production``, a generated SECRET_KEY, ``ALLOWED_HOSTS=127.0.0.1,localhost``.
The baseline URL exists only under this module, never in a normal deployment.
"""

from dahguide.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
