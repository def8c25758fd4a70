"""BackTracker settings, read from the environment with embedded defaults.

With nothing set, the platform runs on one machine with no servers: SQLite under
``var/``, files under ``var/media/`` and a file-system Celery broker (workers still run
as their own processes). Each service is switched to its production counterpart by
one variable:

- ``DATABASE_URL``                 PostgreSQL (``postgres://user:pass@host:5432/name``)
- ``AWS_STORAGE_BUCKET_NAME``      S3 (plus ``AWS_S3_ENDPOINT_URL``, credentials, region)
- ``CELERY_BROKER_URL``            Redis (``redis://host:6379/0``) or RabbitMQ (``amqp://``)
- ``DJANGO_DEBUG=0``               production mode; needs ``DJANGO_SECRET_KEY`` and
                                   ``DJANGO_ALLOWED_HOSTS`` (comma separated)
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.getenv("BACKTRACKER_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.getenv(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be 0/1 or true/false, got {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.getenv(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from exc


def env_list(name: str) -> list[str]:
    return [item.strip() for item in os.getenv(name, "").split(",") if item.strip()]


def development_secret_key() -> str:
    """A random key kept under var/ so dev sessions survive restarts; never used in production."""
    path = VAR_DIR / "dev-secret-key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


# --- Core ---------------------------------------------------------------------------

DEBUG = env_bool("DJANGO_DEBUG", True)
PRODUCTION = not DEBUG

if PRODUCTION:
    SECRET_KEY = os.getenv("DJANGO_SECRET_KEY", "")
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
    if not SECRET_KEY:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is required when DJANGO_DEBUG=0")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS is required when DJANGO_DEBUG=0")
else:
    SECRET_KEY = os.getenv("DJANGO_SECRET_KEY") or development_secret_key()
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS") or ["localhost", "127.0.0.1", "[::1]"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "storages",
    "backtracker_site",
    "assessments",
    "mlpipeline",
    "classifier",
    "exercises",
    "patientapp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "backtracker_site.middleware.staff_mfa",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "backtracker_site.middleware.no_store",
    "backtracker_site.middleware.security_headers",
    "backtracker_site.middleware.request_id",
    "backtracker_site.middleware.reject_nul",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "backtracker_site.urls"
WSGI_APPLICATION = "backtracker_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "backtracker_site" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Database -----------------------------------------------------------------------

if os.getenv("DATABASE_URL"):
    DATABASES = {
        "default": dj_database_url.parse(
            os.environ["DATABASE_URL"], conn_max_age=60, conn_health_checks=True
        )
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Bounded execution (RELIABILITY D4): no statement runs for ever.
        timeout_ms = env_int("DATABASE_STATEMENT_TIMEOUT_MS", 30_000)
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
            f"-c statement_timeout={timeout_ms}"
        )
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "backtracker.sqlite3",
            # Web process and workers share the file: WAL plus IMMEDIATE transactions
            # removed the "database is locked" errors measured with the defaults.
            "OPTIONS": {
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000"
                ),
                "transaction_mode": "IMMEDIATE",
            },
        }
    }

# --- Accounts and authentication ----------------------------------------------------

AUTH_USER_MODEL = "assessments.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "assessments.passwords.RepetitiveOrSequentialValidator"},
]

# Lock out a (username, IP) pair after repeated failures; an admin can reset it.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "assessments.auth.axes_username"
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "assessments.auth.lockout_response"
# Behind reverse proxies set TRUSTED_PROXY_COUNT to their number (AXES_IPWARE_PROXY_COUNT
# is still read): the client is the N-th X-Forwarded-For entry from the right, for
# lockout, anonymous throttles and the access log alike (backtracker_site.client_ip).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", env_int("AXES_IPWARE_PROXY_COUNT", 0))
AXES_CLIENT_IP_CALLABLE = "backtracker_site.client_ip.client_ip"

# Two-factor sign-in (assessments/mfa.py): required for physiotherapists and admins.
OTP_TOTP_ISSUER = "BackTracker"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the admin never shows a TOTP key or recovery code

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 5)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 14)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "CHECK_USER_IS_ACTIVE": True,
    "CHECK_REVOKE_TOKEN": True,
    "USER_ID_FIELD": "id",
    "TOKEN_OBTAIN_SERIALIZER": "assessments.auth.EmailTokenObtainPairSerializer",
    "TOKEN_REFRESH_SERIALIZER": "assessments.auth.SingleUseTokenRefreshSerializer",
}

EMAIL_BACKEND = os.getenv(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.filebased.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = os.getenv("DJANGO_DEFAULT_FROM_EMAIL", "BackTracker <no-reply@localhost>")
EMAIL_HOST = os.getenv("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)

# --- REST API -------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "backtracker_site.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "backtracker_site.api.pagination.BoundedPageNumberPagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "backtracker_site.api.errors.api_exception_handler",
    # Per-user (per-IP when anonymous) limits; a shared cache (REDIS_CACHE_URL) makes them
    # hold across web processes. Brute force on sign-in is stopped by django-axes.
    "DEFAULT_THROTTLE_RATES": {
        "registration": os.getenv("THROTTLE_REGISTRATION", "20/hour"),
        "login": os.getenv("THROTTLE_LOGIN", "30/minute"),
        "password_reset": os.getenv("THROTTLE_PASSWORD_RESET", "5/hour"),
        "uploads": os.getenv("THROTTLE_UPLOADS", "30/hour"),
        "questionnaires": os.getenv("THROTTLE_QUESTIONNAIRES", "60/hour"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,  # any DRF throttle not from backtracker_site.api
}

SPECTACULAR_SETTINGS = {
    "TITLE": "BackTracker API",
    "DESCRIPTION": (
        "Phone-app API of the BackTracker low back pain self-assessment platform. "
        "Authenticate with POST /api/v1/auth/token and send `Authorization: Bearer <access>`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Deny by default: the schema lists admin operations, so it and the docs need an
    # admin's sign-in (session or bearer token), as the README says (issue 18 row 10).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAdminUser"],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "backtracker_site.api.schema.add_error_responses",
    ],
    "SWAGGER_UI_DIST": "SIDECAR",  # served by the project, no CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "RoleEnum": "assessments.models.User.Role",
        "ConsentPurposeEnum": "assessments.models.ConsentPurpose",
        "JobStatusEnum": "backtracker_site.models.JobStatus",
    },
}

# --- Object storage -------------------------------------------------------------------

MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
FILE_UPLOAD_PERMISSIONS = 0o600  # patient files are readable by the service user only
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
AWS_STORAGE_BUCKET_NAME = os.getenv("AWS_STORAGE_BUCKET_NAME", "")

if AWS_STORAGE_BUCKET_NAME:
    AWS_S3_ENDPOINT_URL = os.getenv("AWS_S3_ENDPOINT_URL") or None
    AWS_S3_REGION_NAME = os.getenv("AWS_S3_REGION_NAME", "us-east-1")
    # SigV4 set explicitly: the defaults here produced SigV2 URLs, which sign no
    # Content-Length (RELIABILITY 1.3).
    AWS_S3_SIGNATURE_VERSION = "s3v4"
    AWS_DEFAULT_ACL = None  # private objects; the bucket decides, nothing is public-read
    AWS_S3_FILE_OVERWRITE = False  # a name clash gets a new name, never a silent overwrite
    AWS_QUERYSTRING_AUTH = True
    AWS_QUERYSTRING_EXPIRE = env_int("AWS_QUERYSTRING_EXPIRE", 300)
    AWS_S3_OBJECT_PARAMETERS = {}
    if os.getenv("AWS_S3_SSE_KMS_KEY_ID"):
        AWS_S3_OBJECT_PARAMETERS = {
            "ServerSideEncryption": "aws:kms",
            "SSEKMSKeyId": os.environ["AWS_S3_SSE_KMS_KEY_ID"],
        }
    DEFAULT_STORAGE = {"BACKEND": "storages.backends.s3.S3Storage"}
else:
    DEFAULT_STORAGE = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT},
    }

STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Recordings go straight to storage (presigned S3 or resumable chunks), never in one body.
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 300 * 1024 * 1024)
UPLOAD_PART_BYTES = env_int("UPLOAD_PART_BYTES", 8 * 1024 * 1024)
# Larger files use a resumable multipart upload instead of one presigned POST.
UPLOAD_SINGLE_POST_MAX_BYTES = env_int("UPLOAD_SINGLE_POST_MAX_BYTES", 50 * 1024 * 1024)
# Per-patient quota over any 24 hours.
UPLOAD_DAILY_RECORDINGS = env_int("UPLOAD_DAILY_RECORDINGS", 20)
UPLOAD_DAILY_BYTES = env_int("UPLOAD_DAILY_BYTES", 1024 * 1024 * 1024)

# --- Celery ---------------------------------------------------------------------------
# Queues: "default" for light housekeeping, "video" for recording processing,
# "training" for model training (a GPU worker may serve only this queue).

CELERY_BROKER_URL = os.getenv("CELERY_BROKER_URL", "filesystem://")
CELERY_QUEUE_FOLDER = VAR_DIR / "celery" / "queue"
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 7 * 3600)

if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_QUEUE_FOLDER.mkdir(parents=True, exist_ok=True)
    (CELERY_QUEUE_FOLDER.parent / "control").mkdir(exist_ok=True)
    # The embedded broker has no visibility timeout: the reconciler re-enqueues work
    # whose worker died (DESIGN: a SIGKILLed whole worker loses its running task).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_QUEUE_FOLDER),
        "data_folder_out": str(CELERY_QUEUE_FOLDER),
        "control_folder": str(CELERY_QUEUE_FOLDER.parent / "control"),
        "polling_interval": 0.5,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
        "socket_timeout": 5,
        "socket_connect_timeout": 3,
        "unacked_restore_interval": env_int("CELERY_UNACKED_RESTORE_INTERVAL", 30),
    }

CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_MAX_TASKS_PER_CHILD = 50
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "mlpipeline.tasks.*": {"queue": "video"},
    "classifier.tasks.classify_assessment": {"queue": "video"},  # fast inference, ML workers
    "classifier.tasks.run_training": {"queue": "training"},
}
# Time limits per queue; the system check backtracker_site.E001 keeps every hard
# limit below the broker's visibility timeout.
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_DEFAULT_SOFT_TIME_LIMIT", 120)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_DEFAULT_TIME_LIMIT", 180)
VIDEO_TASK_SOFT_TIME_LIMIT = env_int("VIDEO_TASK_SOFT_TIME_LIMIT", 15 * 60)
VIDEO_TASK_TIME_LIMIT = env_int("VIDEO_TASK_TIME_LIMIT", 20 * 60)
TRAINING_TASK_SOFT_TIME_LIMIT = env_int("TRAINING_TASK_SOFT_TIME_LIMIT", 6 * 3600)
TRAINING_TASK_TIME_LIMIT = env_int("TRAINING_TASK_TIME_LIMIT", 6 * 3600 + 600)
# Work left queued longer than this is enqueued again by the reconciler.
RECONCILE_AFTER_SECONDS = env_int("RECONCILE_AFTER_SECONDS", 120)
RECONCILE_INTERVAL_SECONDS = env_int("RECONCILE_INTERVAL_SECONDS", 60)
MAX_JOB_ATTEMPTS = env_int("MAX_JOB_ATTEMPTS", 5)
CELERY_BEAT_SCHEDULE = {
    "reconcile-queued-work": {
        "task": "backtracker_site.tasks.reconcile_queued_work",
        "schedule": RECONCILE_INTERVAL_SECONDS,
    },
    "abort-stale-uploads": {
        "task": "assessments.tasks.abort_stale_uploads",
        "schedule": 3600,
    },
    "sweep-erased-prefixes": {
        "task": "assessments.tasks.sweep_erased_prefixes",
        "schedule": 600,
    },
    "purge-access-log": {
        "task": "assessments.tasks.purge_access_log",
        "schedule": 24 * 3600,
    },
}
# The access log is kept this long, then purged daily (never less than 365 days).
ACCESS_LOG_RETENTION_DAYS = env_int("ACCESS_LOG_RETENTION_DAYS", 6 * 366)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celery" / "beat-schedule")

# --- Video pipeline -------------------------------------------------------------------
# Pose: "mediapipe" (BlazePose from the mediapipe wheel) or "higherhrnet" (an ONNX file
# the operator supplies); segmentation: "mediapipe" or "sam" (encoder + decoder ONNX).

PIPELINE_POSE_BACKEND = os.getenv("PIPELINE_POSE_BACKEND", "mediapipe")
PIPELINE_SEGMENTER = os.getenv("PIPELINE_SEGMENTER", "mediapipe")
PIPELINE_HIGHERHRNET_ONNX = os.getenv("PIPELINE_HIGHERHRNET_ONNX", "")
PIPELINE_SAM_ENCODER_ONNX = os.getenv("PIPELINE_SAM_ENCODER_ONNX", "")
PIPELINE_SAM_DECODER_ONNX = os.getenv("PIPELINE_SAM_DECODER_ONNX", "")
PIPELINE_MASK_SIZE = env_int("PIPELINE_MASK_SIZE", 128)

# --- Caches ---------------------------------------------------------------------------

if os.getenv("REDIS_CACHE_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_CACHE_URL"],
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Security (production mode) -------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FILES = 10

if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
    if env_bool("DJANGO_BEHIND_TLS_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

SILENCED_SYSTEM_CHECKS: list[str] = []

# --- Logging --------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.getenv("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
