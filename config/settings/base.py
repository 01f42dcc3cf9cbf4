"""CivicNest settings: everything lives here and is switched by the environment (production.py only hardens)."""

from __future__ import annotations

from datetime import timedelta

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _

from config.env import BASE_DIR, env_bool, env_int, env_int_map, env_list, env_str

SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-change-me-in-production-0123456789")
DEBUG = env_bool("DEBUG", default=False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

VAR_DIR = BASE_DIR / "var"
# A fresh clone has no var/ (it is git-ignored); SQLite, media and test databases live there.
VAR_DIR.mkdir(exist_ok=True)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "auditlog",
    "rules.apps.AutodiscoverRulesConfig",
    "django_tasks",
    "django_tasks_db",
    "civicnest.core",
    "civicnest.regions",
    "civicnest.accounts",
    "civicnest.network",
    "civicnest.registry",
    "civicnest.incubation",
    "civicnest.venues",
    "civicnest.training",
    "civicnest.matching",
    "civicnest.governance",
    "civicnest.stats",
    "civicnest.disclosure",
    "civicnest.notices",
    "civicnest.party",
    "civicnest.shell",
    "civicnest.portal",
    "civicnest.philanthropy",
    "civicnest.evaluation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Django's SessionMiddleware, renewing the idle timeout at most once a minute (civicnest/core/sessions.py).
    "civicnest.core.sessions.RefreshingSessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    # Axes must be last: it turns repeated failed logins into a lock-out response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "civicnest" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "civicnest.shell.context_processors.shell",
                "civicnest.core.context_processors.security_policy",
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL says otherwise.
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'civicnest.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers proceed while one writer commits; IMMEDIATE makes write transactions take
    # the lock up front instead of failing with "database is locked" on upgrade.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "shell:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions expire after 30 minutes of inactivity: a request renews the session (row and cookie) when it was
# last renewed more than SESSION_REFRESH_SECONDS ago, not on every request (see civicnest/core/sessions.py).
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_REFRESH_SECONDS = env_int("SESSION_REFRESH_SECONDS", 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Lock-out after repeated failed logins (django-axes).
AXES_ENABLED = env_bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_LOCKOUT_CALLABLE = "civicnest.accounts.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
# Lock-outs live in the database (AccessAttempt rows), shared by every app node on one PostgreSQL and kept
# across Redis restarts (docs/decisions.md, 33). Keyed on (username, real client IP): an attacker elsewhere
# locks only his own address out, never the official at his desk (docs/security.md, finding 2).
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_CLIENT_IP_CALLABLE = "civicnest.accounts.client_ip.client_ip"

# Reverse proxies in front of the app that set X-Forwarded-For (nginx: 1). 0: use the connecting address and
# ignore the header, which any client can send. Throttles (DRF NUM_PROXIES) and lock-outs read the client IP
# by the same rule (civicnest/accounts/client_ip.py).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
# API tokens expire this many hours after they were issued (0: never); logout and a password change end
# them at once, DELETE /api/v1/auth/token/ on request.
API_TOKEN_TTL_HOURS = env_int("API_TOKEN_TTL_HOURS", 24 * 30)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "civicnest" / "static",
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", BASE_DIR / "node_modules" / "bootstrap-icons" / "font"),
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/echarts", BASE_DIR / "node_modules" / "echarts" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_URL = "/media/"
MEDIA_ROOT = env_str("MEDIA_ROOT", str(VAR_DIR / "media"))

# E-mail: console in development, SMTP when EMAIL_HOST is set.
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "CivicNest <noreply@civicnest.local>")
SMS_BACKEND = env_str("SMS_BACKEND", "civicnest.core.sms.LoggingSmsBackend")

# Background jobs: django-tasks with its database backend; `manage.py db_worker` runs them. The
# "matching" queue ranks offerings for needs: its worker (`db_worker --queue-name matching`, one per
# machine) is the only process that holds the matching index, so web workers never build it.
TASK_QUEUES = ["default", "matching"]
TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": TASK_QUEUES,
    }
}
# A task RUNNING for longer than this is reported as stale by /healthz/ (its worker probably died).
TASK_STALE_MINUTES = env_int("TASK_STALE_MINUTES", 60)

REST_FRAMEWORK = {
    # Token first: a missing, revoked or expired token is then a 401 with `WWW-Authenticate: Token`.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "civicnest.accounts.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "config.api.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "config.api_schema.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "config.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_RATES": {"auth": env_str("API_AUTH_THROTTLE", "20/min")},
    # The throttles' client identity: the TRUSTED_PROXY_COUNT-th X-Forwarded-For entry from the right, or
    # REMOTE_ADDR when 0 (DRF takes the whole header as the identity when this is unset).
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CivicNest API",
    "DESCRIPTION": "社会组织孵化与服务平台 API（/api/v1/）。认证：会话或 `Authorization: Token …`。",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

AUDITLOG_INCLUDE_ALL_MODELS = False

# One cache for everything that must agree across processes and machines: throttles, cached fragments and
# their versions, statistics, the roll-up queue marker. REDIS_URL (redis://host:6379/0) selects Redis, shared
# by every gunicorn worker and app node; without it each process has its own LocMem cache (`make run`).
REDIS_URL = env_str("REDIS_URL")
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "civicnest"),
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy (django-csp): scripts only from our own static files — no inline <script>, no
# on…= handlers, no eval. Style attributes stay allowed (style-src-attr) because Bootstrap components,
# ECharts tooltips and a few progress bars set them; <style> elements and foreign stylesheets do not.
# Every asset is served locally, so no other origin appears. Docs: docs/security.md.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# LOG_FORMAT=json: one JSON object per line (time, level, logger, message, request path/method/status,
# user id, exception) for log collectors (ELK, Loki, 阿里云 SLS…); default plain text.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "civicnest.core.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if env_str("LOG_FORMAT", "plain") == "json" else "plain",
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}, "jieba": {"level": "WARNING"}},
}

CIVICNEST_DEMO_PASSWORD = env_str("CIVICNEST_DEMO_PASSWORD", "Civic-Nest-2026")
CIVICNEST_ROLE_LABEL = _("社会组织孵化与服务平台")
MATCHING_ESCALATE_DAYS = env_int("MATCHING_ESCALATE_DAYS", 7)
# W 三(四): days each level has to find an accepted match before a waiting need goes up one level, e.g.
# NEED_ESCALATE_DAYS=community:2,street:4; a level left out keeps matching.services.ESCALATE_DAYS
# (社区 3, 街道 5, 区 MATCHING_ESCALATE_DAYS, 市 10).
NEED_ESCALATE_DAYS = env_int_map("NEED_ESCALATE_DAYS")
# A resident's repeat of their own open need within this many hours is merged into it, with a notice.
NEED_MERGE_HOURS = env_int("NEED_MERGE_HOURS", 24)
# W 四(二): an organization with 3 or more party members sets up a party organization within this many
# days of its registration (a center: of its opening); past it, the 党建 rule lists it as overdue.
PARTY_ORG_DEADLINE_DAYS = env_int("PARTY_ORG_DEADLINE_DAYS", 90)
# Load tests only (bench/run_load.sh): serve /bench/floor/, a view returning a tiny response through the
# full middleware stack, to measure the framework floor under the same gunicorn settings. Off by default.
BENCH_FLOOR = env_bool("BENCH_FLOOR", default=False)
# Seconds the dashboard's and the matching board's statistics may be cached (0: never; civicnest/regions/caching.py).
STATS_CACHE_SECONDS = env_int("STATS_CACHE_SECONDS", 60)
# Seconds a busy list page's rendered table may be reused (0: never; civicnest/regions/caching.py).
LIST_CACHE_SECONDS = env_int("LIST_CACHE_SECONDS", 30)
# Processes that rank the nightly batch (forked, sharing the in-memory index); 1 ranks in the caller.
MATCHING_BATCH_WORKERS = env_int("MATCHING_BATCH_WORKERS", 2)
# Months the dashboards' monthly roll-up keeps (back from this month; through December of this year).
# Older periods are computed live. civicnest/stats/rollup.py; refreshed by `manage.py stats_rollup` (cron).
STATS_ROLLUP_MONTHS = env_int("STATS_ROLLUP_MONTHS", 36)
# A dashboard read finding this month's roll-up older than this queues a refresh itself (0: only cron does).
STATS_ROLLUP_STALE_MINUTES = env_int("STATS_ROLLUP_STALE_MINUTES", 20)
# A write to a row any figure reads queues one refresh of this month's roll-up (after the commit), so the
# dashboard agrees with the live home cards and reports within seconds.
STATS_ROLLUP_ON_WRITE = env_bool("STATS_ROLLUP_ON_WRITE", default=True)
