"""Django settings: an in-memory SQLite database, no sessions, no templates, no CSRF (an API)."""

SECRET_KEY = "interop-tests-only-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
ROOT_URLCONF = "dotserver.urls"
USE_TZ = True
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "oauth2_provider",
]
MIDDLEWARE = ["dotserver.views.RecordRequests"]
DATABASES = {
    # One connection, in the one thread that serves requests: the data lives as long as the
    # process, and every run starts from nothing.
    "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"},
}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
# Fast password hashing: the tests log in often.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGGING_CONFIG = None
OAUTH2_PROVIDER = {
    "SCOPES": {
        "travelagent": "Seaware travel agent",
        "read": "Read",
    },
    "DEFAULT_SCOPES": ["travelagent"],
    "ACCESS_TOKEN_EXPIRE_SECONDS": 900,
    "REFRESH_TOKEN_EXPIRE_SECONDS": 3600,
    "ROTATE_REFRESH_TOKEN": True,
    "PKCE_REQUIRED": False,
}
