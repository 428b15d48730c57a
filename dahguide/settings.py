"""Settings for DAH Guide, read from the environment (django-environ).

Two modes: development (the default, SQLite file, demo-friendly) and production
(``DAHGUIDE_ENV=production``), which refuses to start without a real SECRET_KEY and
ALLOWED_HOSTS. See README "Configuration" and "Deployment".
"""

from __future__ import annotations

from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DAHGUIDE_ENV = env.str("DAHGUIDE_ENV", default="development")
if DAHGUIDE_ENV not in {"development", "production"}:
    raise ImproperlyConfigured("DAHGUIDE_ENV must be 'development' or 'production'.")
PRODUCTION = DAHGUIDE_ENV == "production"

_DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY)
DEBUG = env.bool("DEBUG", default=False)
_DEV_HOSTS = ["localhost", "127.0.0.1", "[::1]", "testserver"]
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else _DEV_HOSTS)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

if PRODUCTION:
    if SECRET_KEY == _DEV_SECRET_KEY or len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("Production mode needs a real SECRET_KEY (50+ random characters).")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("Production mode needs ALLOWED_HOSTS.")
    if DEBUG:
        raise ImproperlyConfigured("DEBUG must be off in production mode.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",
    "csp",
    "axes",
    "simple_history",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "dahguide.accounts",
    "dahguide.guidance",
    "dahguide.plans",
    "dahguide.wizard",
    "dahguide.cases",
    "dahguide.feedback",
    "dahguide.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After CSRF and authentication: a form is kept through the idle logout only with a valid token.
    "dahguide.accounts.middleware.IdleSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "dahguide.accounts.middleware.NoStoreForAuthenticatedMiddleware",
    "dahguide.observability.RequestLogMiddleware",
    # Axes must come last: it reads the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "dahguide.urls"
WSGI_APPLICATION = "dahguide.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dahguide.accounts.context_processors.session_timeout",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60 if PRODUCTION else 0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://dahguide")}

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "dahguide.accounts.lockout.AccountSlowdownBackend",
    # Django's ModelBackend, with the user's roles read in the same query as the user.
    "dahguide.accounts.backends.UserAndRolesBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Shared ward computers: the session ends after this many idle seconds (default 15 min).
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=15 * 60)
# The page warns this many seconds before the idle logout (at most half the timeout).
SESSION_IDLE_WARNING = env.int("SESSION_IDLE_WARNING", default=60)
# Activity is recorded in the session at most this often (seconds), so a read costs no database
# write; the logout therefore comes between TIMEOUT - INTERVAL and TIMEOUT after the last activity.
SESSION_ACTIVITY_INTERVAL = env.int("SESSION_ACTIVITY_INTERVAL", default=60)
# The session row outlives the idle timeout (the idle rule is enforced on every request by
# dahguide.accounts.middleware.IdleSessionMiddleware) so that the idle logout still knows whose
# session it ends and can keep what they were typing for them. The cookie ends with the browser.
SESSION_COOKIE_AGE = env.int("SESSION_MAX_AGE", default=12 * 60 * 60)
SESSION_SAVE_EVERY_REQUEST = False
# Django's database sessions, the per-request read written once as SQL (dahguide/accounts/sessions.py).
SESSION_ENGINE = "dahguide.accounts.sessions"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# The wizard reads a creatinine typed without a unit in the unit the laboratory reports ("mg/dL",
# "umol/L" or "mmol/L"); a unit the physician chooses is remembered for the rest of the session.
DAHGUIDE_DEFAULT_CREATININE_UNIT = env.str("DAHGUIDE_DEFAULT_CREATININE_UNIT", default="mg/dL")
# A plan marks the recommendations its (published) guideline version changed, for this many days after
# the publication; 0 turns the marks off (README, "Configuration").
DAHGUIDE_CHANGED_MARK_DAYS = env.int("DAHGUIDE_CHANGED_MARK_DAYS", default=30)

# django-axes: lock an account+address after repeated failures (docs/operations/deployment.md, "Log-in
# lockout"). A refused attempt during a lockout does not extend it, so the page can say when it ends.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_CALLABLE = "dahguide.accounts.lockout.lockout_response"  # says how long it lasts
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_USERNAME_CALLABLE = "dahguide.accounts.lockout.lockout_username"  # overlong names cut to a storable length
# Per account, across addresses: after this many failures within the cool-off, each further check of
# the password waits 2, 4, 8 ... seconds (at most ACCOUNT_SLOWDOWN_MAX_SECONDS) after the last failure.
ACCOUNT_SLOWDOWN_AFTER = env.int("ACCOUNT_SLOWDOWN_AFTER", default=AXES_FAILURE_LIMIT)
ACCOUNT_SLOWDOWN_MAX_SECONDS = env.int("ACCOUNT_SLOWDOWN_MAX_SECONDS", default=60)
# The client's address: REMOTE_ADDR, unless the app sits behind TRUSTED_PROXY_COUNT reverse proxies
# that each append the address they were connected from to X-Forwarded-For (the README's nginx: 1).
# Then the address that many hops from the right of X-Forwarded-For is the client, and what a client
# wrote further left is ignored. TRUSTED_PROXY_IPS optionally names the proxies before the last one,
# as they appear at the right end of the header (ipware's trusted-proxy check).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
TRUSTED_PROXY_IPS = env.list("TRUSTED_PROXY_IPS", default=[])
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT cannot be negative.")
if TRUSTED_PROXY_IPS and len(TRUSTED_PROXY_IPS) != TRUSTED_PROXY_COUNT - 1:
    raise ImproperlyConfigured(
        "TRUSTED_PROXY_IPS lists the proxies before the last one: TRUSTED_PROXY_COUNT - 1 addresses."
    )
if TRUSTED_PROXY_COUNT:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR",)
    AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT - 1  # the hops listed in the header after the client
    AXES_IPWARE_PROXY_TRUSTED_IPS = TRUSTED_PROXY_IPS or None
    IPWARE_STRICT = False  # a longer header is expected: whatever a client sent stays on the left
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)
    AXES_IPWARE_PROXY_COUNT = None
    AXES_IPWARE_PROXY_TRUSTED_IPS = None

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_MAX_AGE = 60 * 60 * 24 * 365 if PRODUCTION else 60

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Security headers. Strict CSP: scripts and styles from our own origin only, no inline code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}
PERMISSIONS_POLICY: dict[str, list[str]] = {
    "camera": [],
    "microphone": [],
    "geolocation": [],
    "payment": [],
    "usb": [],
}
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads no cookie; the token travels in a header set from the page.

if PRODUCTION:
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto (see README "Deployment").
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

# JSON API, CDS Hooks and FHIR export (docs/api.md).
# Requests per user and period on /api/v1/ (DRF rate syntax: "60/min", "1000/hour").
API_THROTTLE_RATE = env.str("API_THROTTLE_RATE", default="60/min")
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "EXCEPTION_HANDLER": "dahguide.api.rest.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "DAH Guide API",
    "DESCRIPTION": "Evaluate a DAH intake against the published guideline; FHIR export. See docs/api.md.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
}
# CDS Hooks clients: issuer (the JWT "iss") = shared HMAC secret (32+ characters), comma-separated.
CDS_HOOKS_CLIENTS = env.dict("CDS_HOOKS_CLIENTS", default={})
CDS_HOOKS_REQUIRE_AUTH = env.bool("CDS_HOOKS_REQUIRE_AUTH", default=True)
if PRODUCTION and not CDS_HOOKS_REQUIRE_AUTH:
    raise ImproperlyConfigured("CDS_HOOKS_REQUIRE_AUTH cannot be off in production mode.")
# Canonical base of the FHIR resources this app defines (Questionnaire, PlanDefinition, code systems).
FHIR_CANONICAL_BASE = env.str("FHIR_CANONICAL_BASE", default="https://dahguide.invalid/fhir").rstrip("/")
# SMART App Launch (docs/smart.md): this app's client id at the EHRs, its secret for a confidential
# client (empty: a public client, PKCE only), and the FHIR base URLs ("iss") it may launch from.
SMART_CLIENT_ID = env.str("SMART_CLIENT_ID", default="")
SMART_CLIENT_SECRET = env.str("SMART_CLIENT_SECRET", default="")
SMART_ALLOWED_ISS = [iss.rstrip("/") for iss in env.list("SMART_ALLOWED_ISS", default=[])]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        # One JSON object per line; see dahguide/observability.py for what is (and is not) logged.
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        # Never DEBUG, whatever LOG_LEVEL says: their debug lines carry patient data (the template
        # context of a page; the parameters of a query).
        "django.template": {"level": "INFO"},
        "django.db.backends": {"level": "INFO"},
        "django.server": {"level": "WARNING"},
        "axes.apps": {"level": "WARNING"},  # its start-up banner would pollute command output
        "dahguide.request": {"level": env.str("REQUEST_LOG_LEVEL", default="INFO")},
    },
}
