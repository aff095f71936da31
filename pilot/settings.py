"""Settings of the 1+X Pilot Portal, read from the environment.

PILOT_ENV selects the posture: ``production`` (the default: fail closed), ``development``, ``demo``
(what ``make demo`` uses) or ``test``. Only the non-production postures may fall back to a local
secret key; every integration comes from an environment variable, and the embedded defaults
(SQLite, in-process tasks) apply only when DATABASE_URL / REDIS_URL are absent.
"""

from ipaddress import ip_network
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from core.logs import logging_config
from pilot.env import env_bool, env_choice, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PILOT_VAR_DIR", str(BASE_DIR / "var")))

PILOT_ENV = env_choice("PILOT_ENV", ("production", "development", "demo", "test"), "production")
IS_PRODUCTION = PILOT_ENV == "production"
DEMO_MODE = PILOT_ENV == "demo"

DEBUG = env_bool("PILOT_DEBUG", default=False)
if IS_PRODUCTION and DEBUG:
    raise ImproperlyConfigured("PILOT_DEBUG must not be on with PILOT_ENV=production")

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if IS_PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY is required when PILOT_ENV=production")
    SECRET_KEY = f"insecure-{PILOT_ENV}-only-key-do-not-use-in-production-0123456789abcdef"

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", [] if IS_PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_filters",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "csp",
    # The portal's own apps, lowest layer first (see design.md and .importlinter).
    "accounts",
    "organizations",
    "certificates",
    "assessments",
    "fees",
    "credit_bank",
    "pilot",
]

MIDDLEWARE = [
    # Outermost of all: the request id and the request's one log line (core/logs.py).
    "core.logs.RequestLogMiddleware",
    # Then: it times and counts every request, whatever the middleware below answers (core/metrics).
    "core.metrics.middleware.RequestMetricsMiddleware",
    # Then: it decides last whether a public page may be cached (core/public_cache.py).
    "core.public_cache.PublicCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "core.base_url.ServedBaseUrlMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.ActorMiddleware",
    # Before any process_view (CSRF reads form bodies there); after the user, for the error page.
    "accounts.middleware.RequestBodyLimitMiddleware",
    "accounts.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "accounts.middleware.AppErrorMiddleware",
    # A view that meets an unreachable database or Redis answers 503 with Retry-After (core/outage.py).
    "core.outage.OutageMiddleware",
]

ROOT_URLCONF = "pilot.urls"
WSGI_APPLICATION = "pilot.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.portal",
                "pilot.context_processors.site",
            ],
        },
    }
]

# --- Database: PostgreSQL from DATABASE_URL; SQLite only as the embedded try-it default.
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
elif IS_PRODUCTION:
    raise ImproperlyConfigured("DATABASE_URL is required when PILOT_ENV=production")
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(VAR_DIR / f"{PILOT_ENV}.sqlite3")),
            "OPTIONS": {"timeout": 20},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USES_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")

# --- Cache: Redis when REDIS_URL is given (login throttling must be shared by all web workers).
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    # Short socket timeouts: a Redis host that is down must not hold requests (rate limits then fall
    # back to per-process counters, accounts/ratelimit.py).
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                          "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2}}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery: Redis broker when REDIS_URL is given; otherwise tasks run in-process.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "pilot")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- Auth
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "pilot:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "accounts.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.passwords.CharacterClassValidator"},
]
# Lockout after repeated failures (per account) and throttling (per client address).
LOGIN_MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 5)
LOGIN_LOCK_MINUTES = env_int("LOGIN_LOCK_MINUTES", 15)
LOGIN_MAX_PER_ADDRESS = env_int("LOGIN_MAX_PER_ADDRESS", 30)
# Complaints (投诉举报) filed per client address when anonymous, per account when signed in; and
# public status look-ups per address (the reference is a secret, so guessing it is throttled).
COMPLAINT_ANON_MAX_PER_HOUR = env_int("COMPLAINT_ANON_MAX_PER_HOUR", 5)
COMPLAINT_ANON_MAX_PER_DAY = env_int("COMPLAINT_ANON_MAX_PER_DAY", 20)
COMPLAINT_USER_MAX_PER_HOUR = env_int("COMPLAINT_USER_MAX_PER_HOUR", 20)
COMPLAINT_USER_MAX_PER_DAY = env_int("COMPLAINT_USER_MAX_PER_DAY", 60)
COMPLAINT_LOOKUP_MAX_PER_HOUR = env_int("COMPLAINT_LOOKUP_MAX_PER_HOUR", 30)
ACTIVATION_CODE_DAYS = env_int("ACTIVATION_CODE_DAYS", 14)
OTP_TOTP_ISSUER = "1+X证书制度试点管理平台"
# Roles whose staff must sign in with a TOTP second factor.
TWO_FACTOR_ROLES = ("ministry", "province", "province_agency")

SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "pilot.views.csrf_failure"

# --- Transport security: on in production, where TLS terminates in front of gunicorn.
SECURE_TLS = env_bool("SECURE_TLS", default=IS_PRODUCTION)
SESSION_COOKIE_SECURE = SECURE_TLS
CSRF_COOKIE_SECURE = SECURE_TLS
SECURE_SSL_REDIRECT = SECURE_TLS and env_bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^livez$", r"^metrics$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if SECURE_TLS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_TLS
SECURE_HSTS_PRELOAD = SECURE_TLS
if env_bool("BEHIND_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Language, time, formats: Chinese first, English available.
LANGUAGE_CODE = "zh-hans"
FORMAT_MODULE_PATH = ["pilot.formats"]
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "pilot_language"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Files
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles" if IS_PRODUCTION else VAR_DIR / "static")))
if not IS_PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = not IS_PRODUCTION
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"  # never served directly: every file download goes through a scoped view
# Stored files (seals, certificate PDFs, uploads, reports) go through the storage API only, so an
# S3-compatible object store can replace the local folder when web and worker processes run on
# several machines. Private objects, no signed URLs: every download streams through a view that
# checks access, so no object is ever reachable by a URL of its own.
STORAGE_BACKEND = env_choice("STORAGE_BACKEND", ("local", "s3"), "local")
if STORAGE_BACKEND == "s3":
    _missing = [name for name in ("S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY") if not env_str(name)]
    if _missing:
        raise ImproperlyConfigured(f"STORAGE_BACKEND=s3 needs {', '.join(_missing)}")
    _default_storage = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": env_str("S3_BUCKET"),
        "endpoint_url": env_str("S3_ENDPOINT_URL") or None,
        "access_key": env_str("S3_ACCESS_KEY_ID"),
        "secret_key": env_str("S3_SECRET_ACCESS_KEY"),
        "region_name": env_str("S3_REGION") or None,
        "location": env_str("S3_PREFIX", "").strip("/"),
        "addressing_style": env_choice("S3_ADDRESSING_STYLE", ("path", "virtual", "auto"), "path"),
        "default_acl": "private",
        "querystring_auth": False,
        # Stored names are unique (uuid or number and version); a name taken by a killed worker's
        # leftover is deleted first (certificates.issuance.worker), as on the local folder.
        "file_overwrite": False,
        "max_memory_size": 5 * 1024 * 1024,
    }}
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if IS_PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Request bodies over their limit are refused with 413 before they are read
# (accounts.middleware.RequestBodyLimitMiddleware): JSON and forms; the bulk JSON endpoints (up to
# 200,000 rows); multipart uploads as a whole (each file is then held to its own limit below).
REQUEST_BODY_MAX_BYTES = env_int("REQUEST_BODY_MAX_BYTES", 1024 * 1024)
REQUEST_BULK_BODY_MAX_BYTES = env_int("REQUEST_BULK_BODY_MAX_BYTES", 64 * 1024 * 1024)
REQUEST_UPLOAD_MAX_BYTES = env_int("REQUEST_UPLOAD_MAX_BYTES", 256 * 1024 * 1024)
# Form fields (not files) held in memory: the same limit as any other body.
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_BODY_MAX_BYTES
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000
NOTICE_ATTACHMENT_MAX_BYTES = env_int("NOTICE_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024)
COMPLAINT_EVIDENCE_MAX_BYTES = env_int("COMPLAINT_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)

# --- Certificates (issue 6). The issuing key signs every e-certificate (PAdES) and VC-JWT export;
# production must name it (issuance refuses to sign otherwise), elsewhere a development key is
# generated into VAR_DIR/issuing/ on first use.
ISSUING_KEY_PATH = env_str("ISSUING_KEY_PATH", "")
ISSUING_CERT_PATH = env_str("ISSUING_CERT_PATH", "")
ISSUING_KEY_PASSPHRASE = env_str("ISSUING_KEY_PASSPHRASE", "")
# The SM2 issuing key (issue 20): seals and signs the OFD rendition (GB/T 38540 SM2/SM3). PEM private key
# (unencrypted PKCS#8) and the PEM X.509 certificate with its public key; like the issuing key above,
# production refuses to sign without them and elsewhere a development pair is generated into VAR_DIR/issuing/.
ISSUING_SM2_KEY_PATH = env_str("ISSUING_SM2_KEY_PATH", "")
ISSUING_SM2_CERT_PATH = env_str("ISSUING_SM2_CERT_PATH", "")
# The public address printed in QR codes, PDF footers, share links, VC-JWTs and activation e-mails.
# Required in production; elsewhere, when unset, links follow the address the portal is served on
# (core.base_url: recorded from requests, or by seed_demo --base-url, for work outside requests).
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "").rstrip("/")
if IS_PRODUCTION and not PUBLIC_BASE_URL:
    raise ImproperlyConfigured("PUBLIC_BASE_URL is required when PILOT_ENV=production")
# Issuance: requests taken per short transaction, and parallel issuance tasks per kick.
ISSUANCE_CHUNK = env_int("ISSUANCE_CHUNK", 50)
ISSUANCE_PARALLEL = env_int("ISSUANCE_PARALLEL", 2)
# Public verification: lookups per client address and minute (page and API share it).
VERIFY_RATE_PER_MINUTE = env_int("VERIFY_RATE_PER_MINUTE", 30)
# The most hits of a client that keeps coming back a web process takes ahead in one round trip to
# Redis, to answer its next lookups with none (core.ratelimit.hit_leased; never beyond the limit, and
# none at all at a limit under 32 a minute). 0: every lookup makes its round trip.
VERIFY_HITS_AHEAD = env_int("VERIFY_HITS_AHEAD", 31)
# How long a web process keeps what it read of a certificate number (certificates.verification.memo;
# any change to the certificate, its org or its catalog entry makes it read again at once).
VERIFY_MEMO_SECONDS = env_int("VERIFY_MEMO_SECONDS", 300)
# The largest certificate file (signed PDF or sealed OFD) accepted for verification; the older name still works.
CERTIFICATE_FILE_MAX_BYTES = env_int("CERTIFICATE_FILE_MAX_BYTES", env_int("CERTIFICATE_PDF_MAX_BYTES", 5 * 1024 * 1024))
CELERY_BEAT_SCHEDULE = {
    # Resumes issuance a killed worker left half-done, and requests waiting for a seal once it exists.
    "certificates-sweep": {"task": "certificates.sweep", "schedule": 300.0},
    # Background jobs (imports, reports, indicator runs, refreshes) whose worker went silent: started
    # again while they have attempts left, else failed with a message the polling page shows.
    "core-jobs-sweep": {"task": "core.jobs_sweep", "schedule": 300.0},
    # Lookups by number are tallied in Redis in the rate limit's round trip (certificates.credential):
    # moved into the counts table every minute, and whenever the counts are read.
    "verification-counts-flush": {"task": "certificates.verification_counts_flush", "schedule": 60.0},
    # The dashboard's rollups: what changed is refreshed after finalizing, issuing and payments, and
    # at the latest after this (the page says when the figures were computed); rebuilt nightly.
    "dashboard-refresh": {"task": "pilot.dashboard_refresh_scheduled", "schedule": 900.0},
    "dashboard-rebuild": {"task": "pilot.dashboard_rebuild_scheduled", "schedule": crontab(minute="30", hour="2")},
    # The org behaviour indicators of the previous month, on the 1st at 03:00 Beijing time (after the
    # monthly progress report of 01:30); the ministry is told how many yellow-card candidates there are.
    "pilot-indicators-monthly": {"task": "pilot.indicator_run_scheduled",
                                 "schedule": crontab(minute="0", hour="3", day_of_month="1")},
}

# --- E-mail: console in development and demo; SMTP when EMAIL_HOST is given.
EMAIL_HOST = env_str("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 465)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", default=True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "noreply@pilot.invalid")
EMAIL_CONFIGURED = bool(EMAIL_HOST)

# --- Text messages (core/sms.py): console in development and demo, an outbox in tests, a
# provider's HTTPS gateway in production (SMS_HTTP_URL and SMS_HTTP_TOKEN; or SMS_BACKEND names a
# backend class). Without a gateway production runs with self sign-up closed (SIGNUP_OPEN).
SMS_HTTP_URL = env_str("SMS_HTTP_URL", "")
SMS_HTTP_TOKEN = env_str("SMS_HTTP_TOKEN", "")
SMS_HTTP_TIMEOUT = env_int("SMS_HTTP_TIMEOUT", 10)
SMS_SIGN_NAME = env_str("SMS_SIGN_NAME", "1+X证书")
_SMS_DEFAULT = {"test": "outbox", "production": "http" if SMS_HTTP_URL else ""}.get(PILOT_ENV, "console")
SMS_BACKEND = env_str("SMS_BACKEND", _SMS_DEFAULT)
if IS_PRODUCTION and SMS_BACKEND in ("console", "outbox"):
    raise ImproperlyConfigured("SMS_BACKEND=console/outbox would send no code to anyone: not with PILOT_ENV=production")
if SMS_BACKEND == "http" and not SMS_HTTP_URL:
    raise ImproperlyConfigured("SMS_BACKEND=http needs SMS_HTTP_URL (and SMS_HTTP_TOKEN)")
SIGNUP_OPEN = bool(SMS_BACKEND)
# The dashboard refreshes what changed once a finalization, an issuance chunk, a revocation or a
# payment commits (pilot/dashboard/receivers.py); off, only the 15-minute beat and the nightly
# rebuild refresh it. Off in the tests: a refresh queued by a test's commit would run on the tests'
# Celery worker while the next flush truncates every table, and the two deadlock; the tests of the
# on-change refresh turn it on and run the refresh themselves.
DASHBOARD_REFRESH_ON_CHANGE = env_bool("DASHBOARD_REFRESH_ON_CHANGE", default=PILOT_ENV != "test")
# Social learners' sign-up (accounts/signup): the code's life, how often one phone may be sent a
# code, and how many sign-ups one address may start in an hour.
SMS_CODE_MINUTES = env_int("SMS_CODE_MINUTES", 10)
SMS_CODE_INTERVAL_SECONDS = env_int("SMS_CODE_INTERVAL_SECONDS", 60)
SMS_CODES_PER_PHONE_PER_DAY = env_int("SMS_CODES_PER_PHONE_PER_DAY", 10)
SIGNUPS_PER_ADDRESS_PER_HOUR = env_int("SIGNUPS_PER_ADDRESS_PER_HOUR", 20)
# The privacy notice's version: a consent records the version the person agreed to (PIPL art. 14, 17).
PRIVACY_NOTICE_VERSION = "2026-12-01"

# --- API
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api_authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    # A JSON body must be an object (a bare list or scalar is a 400 with a Chinese message).
    "DEFAULT_PARSER_CLASSES": [
        "accounts.api_parsers.JSONObjectParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.api_permissions.IsVerifiedUser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api_errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"anon": "120/min", "user": "1200/min"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "1+X证书制度试点管理平台 API",
    "DESCRIPTION": "供省级系统、院校和培训评价组织对接的接口。",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several apps name a field "level"; they all mean the certificate level (初级/中级/高级).
    "ENUM_NAME_OVERRIDES": {"LevelEnum": "certificates.models.Level.choices"},
    # Every operation documents the JSON error answers (400/401/403/404/413/429) in one place.
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "accounts.api_schema.document_errors"],
}

# --- Logs (core/logs.py): one JSON object per line in production and tests (a line per request and
# per task, with its id); readable text for development and make demo.
LOG_FORMAT = env_choice("LOG_FORMAT", ("json", "plain"), "plain" if PILOT_ENV in ("development", "demo") else "json")
LOGGING = logging_config(log_format=LOG_FORMAT, level=env_str("LOG_LEVEL", "INFO"))
# Celery keeps these logging settings instead of installing its own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- Outages (core/outage.py, pilot/health.py): what a request answers while the database is down,
# how long /healthz waits for the database, and the workers' heartbeat it reads.
OUTAGE_RETRY_AFTER = env_int("OUTAGE_RETRY_AFTER", 30)
HEALTHZ_TIMEOUT_MS = env_int("HEALTHZ_TIMEOUT_MS", 80)
WORKER_HEARTBEAT_SECONDS = env_int("WORKER_HEARTBEAT_SECONDS", 10)
# Tasks that meet an unreachable database or broker are retried with a backoff of up to this many
# seconds, so work resumes within that long of the service's return (no need to wait for beat).
TASK_RETRY_BACKOFF_MAX = env_int("TASK_RETRY_BACKOFF_MAX", 15)
TASK_RETRY_MAX = env_int("TASK_RETRY_MAX", 60)

# --- Operational metrics (/metrics, core.metrics): Prometheus reaches them with the bearer token or
# from an allowed address (IP addresses or networks, e.g. 10.0.5.0/24). With neither, /metrics is
# off (404); development and demo allow this machine. Gunicorn and Celery report together when
# PROMETHEUS_MULTIPROC_DIR (read by prometheus-client itself) names a folder they share.
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
if METRICS_TOKEN and len(METRICS_TOKEN) < 24:
    raise ImproperlyConfigured("METRICS_TOKEN must be at least 24 characters (e.g. python -c 'import secrets; "
                               "print(secrets.token_urlsafe(32))')")
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", ["127.0.0.1", "::1"] if PILOT_ENV in ("development", "demo") else [])
for _network in METRICS_ALLOWED_IPS:
    try:
        ip_network(_network, strict=False)
    except ValueError as exc:
        raise ImproperlyConfigured(f"METRICS_ALLOWED_IPS: {_network!r} is not an IP address or network") from exc

# How long a scrape reuses the count of issued requests (millions of rows; the other states are
# counted at every scrape).
METRICS_ISSUED_COUNT_SECONDS = env_int("METRICS_ISSUED_COUNT_SECONDS", 300)

ADMIN_URL = env_str("ADMIN_URL", "admin/")
SITE_NAME = _("1+X证书制度试点管理平台")

# --- The public site's footer, as Chinese government portals carry it (《政府网站发展指引》). Each line
# shows only when set; the sponsor and technical support default to the ministry's units (an empty
# variable hides them). The filing numbers link to the registries that issued them.
SITE_SPONSOR = env_str("SITE_SPONSOR")
if SITE_SPONSOR is None:
    SITE_SPONSOR = _("教育部职业教育与成人教育司")
SITE_TECH_SUPPORT = env_str("SITE_TECH_SUPPORT")
if SITE_TECH_SUPPORT is None:
    SITE_TECH_SUPPORT = _("教育部职业技术教育中心研究所")
SITE_CONTACT_ADDRESS = env_str("SITE_CONTACT_ADDRESS", "")
SITE_CONTACT_PHONE = env_str("SITE_CONTACT_PHONE", "")
SITE_CONTACT_EMAIL = env_str("SITE_CONTACT_EMAIL", "")
SITE_IDENTIFIER = env_str("SITE_IDENTIFIER", "")          # 网站标识码
SITE_ICP_NUMBER = env_str("SITE_ICP_NUMBER", "")          # ICP备案号, e.g. 京ICP备10028400号
SITE_PSB_NUMBER = env_str("SITE_PSB_NUMBER", "")          # 公安机关备案号, e.g. 京公网安备11010202000001号
# How long shared caches may keep a public page for anonymous visitors (core/public_cache.py).
PUBLIC_PAGE_MAX_AGE = env_int("PUBLIC_PAGE_MAX_AGE", 300)

if PILOT_ENV == "test":
    # Hashing strength is not what the tests test; a fast hasher keeps the suite quick.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
