"""Production hardening on top of base: HTTPS, secure cookies, HSTS. Everything else comes from the environment."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int

from .base import *  # noqa: F403
from .base import SECRET_KEY, STORAGES

if SECRET_KEY.startswith("dev-only") or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("生产环境必须通过 SECRET_KEY 环境变量设置至少 50 个字符的随机密钥。")

DEBUG = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True

# Hashed static file names (app.3f9c2a1b.js) with a manifest: a new release's CSS and JS get new URLs, so no
# browser keeps last release's files; whitenoise serves them with a year-long cache. Run collectstatic on
# deploy. Not strict: a vendor file referenced by name but not shipped is served unhashed rather than a 500.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_MANIFEST_STRICT = False
