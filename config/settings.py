"""Eternity settings, read once from the environment (12-factor).

Every variable is documented in README.md and .env.example. Local defaults are safe: without
DEBUG the site refuses to start unless SECRET_KEY is set, and production security switches
(HTTPS redirect, HSTS, secure cookies) turn on by themselves.
"""

import os
import socket
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    if value.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if value.strip().lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {value!r}.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}.") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# --- Core -----------------------------------------------------------------------------------

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable to a long random "
            "string (python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
            "or set DEBUG=1 for local development."
        )
    SECRET_KEY = "django-insecure-local-development-only"  # noqa: S105 (DEBUG only)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Notifications older than this are deleted by the worker's daily job.
NOTIFICATION_RETENTION_DAYS = env_int("NOTIFICATION_RETENTION_DAYS", 180)


def _site_url(value: str) -> str:
    """The site's own origin, from SITE_URL: every link in mail is built on it, never on the
    Host a request came with (any allowed host, any port)."""
    if not value:
        if DEBUG:
            # The development server's address: `make run PORT=8001` serves on that port.
            return f"http://127.0.0.1:{env_int('PORT', 8000)}"
        raise ImproperlyConfigured(
            "SITE_URL is not set. Set it to the address members reach the site at, such as "
            "https://eternity.example.com: links in mail (password resets, confirmations, the "
            "digest) are built on it. Or set DEBUG=1 for local development."
        )
    parts = urlsplit(value.rstrip("/"))
    if (
        parts.scheme not in {"http", "https"}
        or not parts.hostname
        or parts.path
        or parts.query
        or parts.fragment
        or parts.username is not None
        or parts.password is not None
    ):
        raise ImproperlyConfigured(
            f"SITE_URL must be the site's origin alone, such as https://eternity.example.com "
            f"(http or https, a host, an optional port; no path), got {value!r}."
        )
    try:
        parts.port  # noqa: B018 (a port that is not a number raises)
    except ValueError:
        raise ImproperlyConfigured(f"SITE_URL has a malformed port: {value!r}.") from None
    return f"{parts.scheme}://{parts.netloc.lower()}"


# The site's own address: links in every mail (allauth's included) and its name in them.
SITE_URL = _site_url(os.environ.get("SITE_URL", "").strip())
SITE_DOMAIN = urlsplit(SITE_URL).netloc
SITE_NAME = "Eternity"

INSTALLED_APPS = [
    "apps.accounts.admin_site.AdminConfig",  # django.contrib.admin behind the site's own login
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "crispy_forms",
    "crispy_bootstrap5",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.github",
    "allauth.socialaccount.providers.google",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.usersessions",
    "allauth.mfa",
    "django_tasks_db",
    "apps.core",
    "apps.accounts",
    "apps.profiles",
    "apps.presence",
    "apps.feed",
    "apps.social",
    "apps.search",
    "apps.conversations",
    "apps.push",
    "apps.moderation",
    "apps.membership",
]

MIDDLEWARE = [
    "apps.core.ops.requestid.RequestIdMiddleware",
    # /healthz/, /readyz/ and /metrics, answered whatever Host a probe or a scraper sends.
    "apps.core.ops.health.ProbeMiddleware",
    # Responses by view and status, and their latency, for /metrics (health checks not counted).
    "apps.core.ops.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages and fragments are sent compressed (a feed page: 46 KB, 5 KB gzipped); static files
    # are compressed ahead by whitenoise, above. Against BREACH: Django's gzip adds random
    # bytes to every response ("Heal the BREACH"), and the CSRF token is masked anew on each
    # request, so no secret repeats byte for byte across responses.
    "django.middleware.gzip.GZipMiddleware",
    "apps.core.web.middleware.FreshPagesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "apps.accounts.middleware.MemberLanguageMiddleware",
    "apps.core.web.middleware.HtmxMessagesMiddleware",
    "apps.presence.middleware.PresenceMiddleware",
    "apps.accounts.middleware.SessionActivityMiddleware",
]

# The requests an open page makes by itself (the presence poll, every 30 s from every open
# page) are served through a shorter stack when they come as the page sends them
# (apps/core/web/lean.py): the same view and answer, without the middleware that has nothing
# to do with them. Everything else in MIDDLEWARE runs for them too, a middleware added later
# included. tests/presence/test_lean_poll.py checks both stacks answer alike.
LEAN_VIEWS = ["presence:poll"]
LEAN_SKIPPED_MIDDLEWARE = [
    "apps.core.ops.health.ProbeMiddleware",  # /healthz/, /readyz/ and /metrics only
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files only
    "django.middleware.csrf.CsrfViewMiddleware",  # a GET changes nothing; no form is sent
    "django.contrib.messages.middleware.MessageMiddleware",  # a background request never
    "apps.core.web.middleware.HtmxMessagesMiddleware",  # takes the flash messages
    "allauth.account.middleware.AccountMiddleware",  # the /accounts/ 404 and reauthentication
    "apps.presence.middleware.PresenceMiddleware",  # the poll keeps its member online itself
]
LEAN_MIDDLEWARE = [name for name in MIDDLEWARE if name not in LEAN_SKIPPED_MIDDLEWARE]

ROOT_URLCONF = "config.urls"
# The admin lives at a configurable, less guessable path in production.
ADMIN_URL = os.environ.get("ADMIN_URL", "admin/").strip("/") + "/"
WSGI_APPLICATION = "config.wsgi.application"

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
                "django.template.context_processors.csp",
                "django.template.context_processors.i18n",
                "apps.core.web.context_processors.site",
                "apps.profiles.theme.theme",
                "apps.moderation.context_processors.moderation",
            ],
        },
    },
]
# {% stencil %} (apps/core/templatetags/stencil.py) also renders its body afresh and raises
# when its key missed something; twice the work, so on for development and tests only.
STENCIL_VERIFY = env_bool("STENCIL_VERIFY", DEBUG)

# --- Data -----------------------------------------------------------------------------------

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dev server and a second process read while one writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters bound by the server, and a statement run this many times on one connection
    # prepared there, spare PostgreSQL the parsing and planning of the reads every feed page
    # and every poll repeat (a third to a half of its CPU). Persistent connections
    # (DB_CONN_MAX_AGE) keep the prepared statements. 0 turns both off, for a pooler in
    # transaction mode that cannot carry a statement between sessions (PgBouncer before 1.21).
    _prepare_threshold = env_int("DB_PREPARE_THRESHOLD", 5)
    if _prepare_threshold > 0:
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=_prepare_threshold
        )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Keys that guard sign-in: two-factor codes already used (a code works once) and allauth's
# rate limits (failed passwords, codes guessed, resets, signups). They live in a database
# table of their own ("security"), whether Redis is up, down or not there, so neither an
# outage nor a flood of other keys can lose them (apps/core/ops/cache.py). A database cache
# past MAX_ENTRIES culls a third of its live rows; expired ones are purged every hour, so
# only live keys count, and a million of them is far beyond what the rate limits let through.
SECURITY_CACHE_KEYS = ["allauth.mfa.totp.used?", "allauth:rl:"]
SECURITY_CACHE = {
    "BACKEND": "django.core.cache.backends.db.DatabaseCache",
    "LOCATION": "security_cache",
    "OPTIONS": {"MAX_ENTRIES": 1_000_000},
}
# Without Redis the cache is a database table, shared by every gunicorn worker and every
# machine on the same database (`createcachetable` creates both tables).
DATABASE_CACHE = {
    "BACKEND": "apps.core.ops.cache.RoutedDatabaseCache",
    "LOCATION": "django_cache",
    "OPTIONS": {"MAX_ENTRIES": 50_000},
    "DATABASE_KEYS": SECURITY_CACHE_KEYS,
    "DATABASE_CACHE": "security",
}

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "apps.core.ops.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "eternity",
            # Heroku Redis serves TLS with a self-signed certificate (REDIS_TLS_VERIFY=0).
            # Short timeouts: a hung Redis must degrade the cache (apps/core/ops/cache.py) within a
            # fraction of a second, not hold requests until gunicorn kills the worker.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
            | (
                {}
                if env_bool("REDIS_TLS_VERIFY", True) or not REDIS_URL.startswith("rediss://")
                else {"ssl_cert_reqs": None}
            ),
            "DATABASE_KEYS": SECURITY_CACHE_KEYS,
            "DATABASE_CACHE": "security",
        },
        "security": SECURITY_CACHE,
    }
else:
    # Rate limits and presence hold without Redis too, in the database.
    CACHES = {"default": DATABASE_CACHE, "security": SECURITY_CACHE}
# Sessions live in the database only, never in the cache: a cache that skips Redis during an
# outage would keep a copy of a session that was ended meanwhile (logout, "sign out other
# sessions", account deletion) and bring it back when Redis returns. Django's database
# sessions, read in SQL (apps/core/web/sessions.py): every request reads one.
SESSION_ENGINE = "apps.core.web.sessions"

# --- Auth -----------------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
# One backend: every sign-in goes through allauth (rate limits, verified email, two-factor),
# and a failed one costs exactly one password hash whether or not the account exists.
AUTHENTICATION_BACKENDS = ["apps.accounts.backends.AuthenticationBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"

# django-allauth: log in with email or username; signup asks email, username, password twice.
ACCOUNT_ADAPTER = "apps.accounts.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "apps.accounts.adapters.SocialAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_FORMS = {
    "login": "apps.accounts.forms.LoginForm",
    "signup": "apps.accounts.forms.SignupForm",
    "add_email": "apps.accounts.forms.AddEmailForm",
    "change_password": "apps.accounts.forms.ChangePasswordForm",
    "set_password": "apps.accounts.forms.SetPasswordForm",
    "reset_password_from_key": "apps.accounts.forms.ResetPasswordKeyForm",
}
SOCIALACCOUNT_FORMS = {"signup": "apps.accounts.forms.SocialSignupForm"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = os.environ.get(
    "ACCOUNT_EMAIL_VERIFICATION", "optional" if DEBUG else "mandatory"
)
if ACCOUNT_EMAIL_VERIFICATION not in {"none", "optional", "mandatory"}:
    raise ImproperlyConfigured("ACCOUNT_EMAIL_VERIFICATION must be none, optional or mandatory.")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True  # One address per account: the primary email is always User.email.
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_USERNAME_MIN_LENGTH = 3
ACCOUNT_USERNAME_BLACKLIST = [
    "admin", "accounts", "settings", "static", "media", "api", "u", "tags", "posts",
    "healthz", "readyz", "root", "staff", "support", "eternity", "me", "new",
    "notifications", "search",
]  # fmt: skip
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Eternity] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# allauth's own rate limits (sign-in, signup, resets, email and password changes), in the
# shared cache. The site's own actions are in RATE_LIMITS below.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
    "confirm_email": "1/3m/key",
}
# Sessions and devices: recorded at login; last activity is refreshed by the presence
# middleware once a minute instead of a write on every request.
USERSESSIONS_TRACK_ACTIVITY = False
# Number of proxies in front of the app that append to X-Forwarded-For (Heroku's router: 1);
# both the site's and allauth's rate limits count the client address they saw.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

# The site's own rate limits (apps/core/web/ratelimit.py), per action: "10/m/user,30/m/ip" is 10 a
# minute per member (a guest: per address) and 30 a minute per client address; periods s, m,
# h, d, optionally with a count ("5m"). Counted in the shared cache; an unlisted action is free.
RATE_LIMITS = {
    "write_post": "10/m/user,30/m/ip",
    "write_comment": "20/m/user,60/m/ip",
    "like": "60/m/user,180/m/ip",
    "follow": "60/m/user,180/m/ip",
    "block": "20/m/user,60/m/ip",
    "mute": "20/m/user,60/m/ip",
    # Live search asks as the member types (300 ms apart at most).
    "search": "120/m/user,240/m/ip",
    "profile_save": "30/m/user,60/m/ip",
    "export": "3/h/user",
    # Reports: a few a minute, a sane number an hour (one per thing and member anyway).
    "report": "5/m/user,30/h/user,30/m/ip",
    # The signup page's proof-of-work widget fetches one challenge per page and one more when a
    # challenge expires on an open page.
    "pow_challenge": "20/m/ip,200/h/ip",
    "invite": "5/m/user,20/d/user",
    # Turning push on or off in a browser, removing a device, its kinds and quiet hours.
    "push_settings": "30/m/user,60/m/ip",
    # Starting a conversation (and adding people to a group), and each message after.
    "start_conversation": "10/m/user,30/m/ip",
    "send_message": "30/m/user,120/m/ip",
    # Deleting a message, accepting, hiding or leaving a conversation, the messages setting.
    "conversation_action": "30/m/user,60/m/ip",
    # Appearing offline from the avatar menu, and turning it off.
    "appear_offline": "20/m/user,60/m/ip",
}
# A new account's first NEW_MEMBER_HOURS (0: no such period) count against these rates as well,
# in the same form, so it gets the stricter of the two. "mention" counts the people a post or
# comment names (a text that would go over is refused, nothing saved).
NEW_MEMBER_HOURS = env_int("NEW_MEMBER_HOURS", 24)
NEW_MEMBER_LIMITS = {
    "write_post": "5/h/user",
    "write_comment": "20/h/user",
    "follow": "20/h/user",
    "mention": "10/h/user",
    "start_conversation": "5/h/user",
    "send_message": "60/h/user",
}

# The proof-of-work check on signup (apps/core/web/proof_of_work.py): the browser tries on
# average half of POW_MAX_NUMBER SHA-256 hashes before the form can be sent (at the default,
# about 1 s in Chromium on a 2-core server; a script in Python needs 21 ms). A challenge expires
# after POW_CHALLENGE_SECONDS; its HMAC key is derived from SECRET_KEY unless POW_HMAC_KEY is
# set.
POW_MAX_NUMBER = env_int("POW_MAX_NUMBER", 50_000)
POW_CHALLENGE_SECONDS = env_int("POW_CHALLENGE_SECONDS", 20 * 60)
POW_HMAC_KEY = os.environ.get("POW_HMAC_KEY", "")

# Two-factor: an authenticator app (TOTP) with recovery codes, and passkeys (WebAuthn), which
# also sign in on their own. Changes to them ask for the password (or a key) again.
MFA_ADAPTER = "apps.accounts.adapters.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = SITE_NAME
MFA_RATE_LIMITS = {"webauthn_login": "10/m/ip"}
MFA_FORMS = {
    "authenticate": "apps.accounts.forms.TwoFactorCodeForm",
    "activate_totp": "apps.accounts.forms.ActivateTOTPForm",
    "add_webauthn": "apps.accounts.forms.AddWebAuthnForm",
}
# allauth refuses two-factor while any address is unverified, so a pending email change
# blocked it; apps.accounts.forms asks for a verified primary address instead, and keeps
# allauth's refusal of new addresses for accounts with two-factor.
MFA_ALLOW_UNVERIFIED_EMAIL = True
# WebAuthn needs HTTPS; plain http://localhost is allowed while developing and in tests.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG or env_bool("WEBAUTHN_ALLOW_HTTP", False)
# Staff must have two-factor switched on before the admin opens (on by default in production).
STAFF_REQUIRE_TWO_FACTOR = env_bool("STAFF_REQUIRE_TWO_FACTOR", not DEBUG)

SOCIALACCOUNT_AUTO_SIGNUP = True

# Who may sign up until an operator sets it in the admin (Accounts › Signup policy, which
# then wins): open, approval (moderators accept each new account), invitation (only with a
# member's link) or closed.
REGISTRATION_MODE = os.environ.get("REGISTRATION_MODE", "open")
if REGISTRATION_MODE not in {"open", "approval", "invitation", "closed"}:
    raise ImproperlyConfigured("REGISTRATION_MODE must be open, approval, invitation or closed.")
# Invitation links a member may have usable at once, the signups one link may admit and the
# days it may last; moderators may make links of up to INVITE_MODERATOR_MAX_USES signups.
INVITES_PER_MEMBER = env_int("INVITES_PER_MEMBER", 5)
INVITE_MAX_USES = env_int("INVITE_MAX_USES", 5)
INVITE_MODERATOR_MAX_USES = env_int("INVITE_MODERATOR_MAX_USES", 100)
INVITE_MAX_DAYS = env_int("INVITE_MAX_DAYS", 30)
# Accounts moderators turned down are deleted this many days after the decision (their
# username and address are free again then; the audit log keeps the decision).
REFUSED_APPLICANTS_KEPT_DAYS = env_int("REFUSED_APPLICANTS_KEPT_DAYS", 30)
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # Never take over an account by a matching email.
SOCIALACCOUNT_QUERY_EMAIL = True
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_ONLY = False


def _social_providers() -> dict[str, dict]:
    """Social login providers, each enabled only when its credentials are in the environment."""
    providers: dict[str, dict] = {}
    if os.environ.get("GITHUB_CLIENT_ID"):
        providers["github"] = {
            "APPS": [
                {
                    "client_id": os.environ["GITHUB_CLIENT_ID"],
                    "secret": os.environ.get("GITHUB_CLIENT_SECRET", ""),
                }
            ],
            "SCOPE": ["read:user", "user:email"],
        }
    if os.environ.get("GOOGLE_CLIENT_ID"):
        providers["google"] = {
            "APPS": [
                {
                    "client_id": os.environ["GOOGLE_CLIENT_ID"],
                    "secret": os.environ.get("GOOGLE_CLIENT_SECRET", ""),
                }
            ],
            "SCOPE": ["profile", "email"],
            "AUTH_PARAMS": {"prompt": "select_account"},
        }
    if os.environ.get("OIDC_CLIENT_ID") and os.environ.get("OIDC_SERVER_URL"):
        providers["openid_connect"] = {
            "APPS": [
                {
                    "provider_id": os.environ.get("OIDC_PROVIDER_ID", "oidc"),
                    "name": os.environ.get("OIDC_PROVIDER_NAME", "OpenID Connect"),
                    "client_id": os.environ["OIDC_CLIENT_ID"],
                    "secret": os.environ.get("OIDC_CLIENT_SECRET", ""),
                    "settings": {"server_url": os.environ["OIDC_SERVER_URL"]},
                }
            ],
        }
    return providers


SOCIALACCOUNT_PROVIDERS = _social_providers()


def _social_login_origins() -> list[str]:
    """Login buttons POST to us and we redirect to the provider; browsers apply the CSP's
    form-action to that redirect, so each configured provider's origin must be allowed."""
    origins = {
        "github": ["https://github.com"],
        "google": ["https://accounts.google.com"],
    }
    allowed = [origin for name in SOCIALACCOUNT_PROVIDERS for origin in origins.get(name, [])]
    if "openid_connect" in SOCIALACCOUNT_PROVIDERS:
        parts = urlsplit(os.environ["OIDC_SERVER_URL"])
        allowed.append(f"{parts.scheme}://{parts.netloc}")
    return allowed


# --- Internationalisation -------------------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The language is the member's saved choice, else the language cookie set by the switcher,
# else the browser's Accept-Language, else English. URLs carry no language prefix.
LANGUAGE_COOKIE_NAME = "eternity_language"
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# Links typed without a scheme ("example.com") are linked as https:// (Django 7 default).
URLIZE_ASSUME_HTTPS = True

# --- Static and media -----------------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    # The app's icons, drawn from the brand when first listed (apps/core/app/icons.py).
    "apps.core.app.finders.AppIconsFinder",
]

# Media (uploads).
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / "media")
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
# The bucket and how to reach it, for the uploads (MEDIA_STORAGE=s3) and the static files
# (STATIC_STORAGE=s3) alike; each adds its own location, domain and caching below.
AWS_BUCKET = {
    "bucket_name": AWS_STORAGE_BUCKET_NAME,
    "access_key": os.environ.get("AWS_ACCESS_KEY_ID"),
    "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY"),
    "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
    "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
}
# Where uploads live: "local" (MEDIA_ROOT on this machine's disk) or "s3" (the bucket; needed
# on platforms with an ephemeral disk, like Heroku, and by more than one web node). A bucket
# set means s3 unless MEDIA_STORAGE says otherwise.
MEDIA_STORAGE = os.environ.get("MEDIA_STORAGE", "").strip().lower() or (
    "s3" if AWS_STORAGE_BUCKET_NAME else "local"
)
if MEDIA_STORAGE not in {"local", "s3"}:
    raise ImproperlyConfigured(
        f"MEDIA_STORAGE must be local or s3, got {os.environ.get('MEDIA_STORAGE')!r}."
    )
if MEDIA_STORAGE == "s3" and not AWS_STORAGE_BUCKET_NAME:
    raise ImproperlyConfigured(
        "MEDIA_STORAGE=s3 needs a bucket: set AWS_STORAGE_BUCKET_NAME (and its credentials), "
        "or MEDIA_STORAGE=local to keep uploads in MEDIA_ROOT."
    )
MEDIA_ON_LOCAL_DISK = MEDIA_STORAGE == "local"
# How many web nodes serve the site. Local uploads on more than one node need MEDIA_ROOT to
# be one volume mounted on every node (MEDIA_SHARED_VOLUME=1): the check eternity.E003
# refuses to start otherwise.
WEB_NODES = env_int("WEB_NODES", 1)
if WEB_NODES < 1:
    raise ImproperlyConfigured(f"WEB_NODES must be 1 or more, got {WEB_NODES}.")
MEDIA_SHARED_VOLUME = env_bool("MEDIA_SHARED_VOLUME", False)
# Signed image addresses stay the same for this many seconds, so browsers and CDNs reuse what
# they fetched; each is valid for at least this long after a page shows it.
MEDIA_URL_PERIOD = env_int("MEDIA_URL_PERIOD", 3600)
if not 60 <= MEDIA_URL_PERIOD <= 302_400:
    raise ImproperlyConfigured(
        f"MEDIA_URL_PERIOD must be between 60 and 302400 seconds (a signed address lives at "
        f"most seven days, two periods), got {MEDIA_URL_PERIOD}."
    )
if MEDIA_STORAGE == "s3":
    MEDIA_BACKEND = {
        "BACKEND": "apps.core.uploads.storage.PeriodSignedS3Storage",
        "OPTIONS": {
            **AWS_BUCKET,
            "custom_domain": os.environ.get("AWS_S3_CUSTOM_DOMAIN") or None,
            "location": os.environ.get("AWS_LOCATION", "media"),
            "default_acl": None,
            "file_overwrite": False,
            # Off for a public-read bucket or a CDN (AWS_S3_CUSTOM_DOMAIN): plain addresses.
            "querystring_auth": env_bool("AWS_QUERYSTRING_AUTH", True),
            "url_period": MEDIA_URL_PERIOD,
            # A day, as nginx and the media view say: how long a browser or a CDN may keep an
            # image moderators took out of view (apps.core.uploads.views.PUBLIC_CACHE).
            "object_parameters": {"CacheControl": "max-age=86400"},
        },
    }
else:
    MEDIA_BACKEND = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
# A disk that is wiped at every restart (Heroku's dynos set DYNO) cannot keep uploads: the
# system check eternity.E001 then refuses to start without a bucket.
EPHEMERAL_DISK = env_bool("EPHEMERAL_DISK", "DYNO" in os.environ)


def _media_origin() -> list[str]:
    """The storage's origin, which the CSP must allow for images."""
    if MEDIA_STORAGE != "s3":
        return []
    options = MEDIA_BACKEND["OPTIONS"]
    if options["custom_domain"]:
        return [f"https://{options['custom_domain']}"]
    if options["endpoint_url"]:
        parts = urlsplit(options["endpoint_url"])
        return [f"{parts.scheme}://{parts.netloc}", f"{parts.scheme}://*.{parts.netloc}"]
    return [f"https://{AWS_STORAGE_BUCKET_NAME}.s3.amazonaws.com", "https://*.amazonaws.com"]


# Static files during a rolling deploy (apps/core/ops/staticfiles.py), when pages of two
# releases are served at once. STATIC_STORAGE=local: each node serves its own release's files
# (whitenoise) and answers a request for the other release's hashed name with a redirect to
# its own version. STATIC_STORAGE=s3: the release step's collectstatic (deploy/release.sh) also
# writes the hashed files to the bucket, under AWS_STATIC_LOCATION, where every release's
# files stay, and pages link them there (or on AWS_STATIC_CUSTOM_DOMAIN), unsigned, cached a
# year; the bucket must let anyone read that prefix (a bucket policy, AWS_STATIC_ACL, or a CDN).
STATIC_STORAGE = os.environ.get("STATIC_STORAGE", "").strip() or "local"
if STATIC_STORAGE not in {"local", "s3"}:
    raise ImproperlyConfigured(f"STATIC_STORAGE must be local or s3, got {STATIC_STORAGE!r}.")
if STATIC_STORAGE == "s3":
    if not AWS_STORAGE_BUCKET_NAME:
        raise ImproperlyConfigured(
            "STATIC_STORAGE=s3 needs a bucket: set AWS_STORAGE_BUCKET_NAME and its AWS_* "
            "variables, or STATIC_STORAGE=local."
        )
    STATIC_FILES_STORAGE = {
        "BACKEND": "apps.core.ops.staticfiles.BucketStaticStorage",
        "OPTIONS": {
            "bucket": {
                **AWS_BUCKET,
                "custom_domain": (
                    os.environ.get("AWS_STATIC_CUSTOM_DOMAIN")
                    or os.environ.get("AWS_S3_CUSTOM_DOMAIN")
                    or None
                ),
                "location": os.environ.get("AWS_STATIC_LOCATION", "static").strip("/") or "static",
                "default_acl": os.environ.get("AWS_STATIC_ACL") or None,
                "querystring_auth": False,
                "file_overwrite": True,
                # Text files are stored gzipped (every browser accepts it): S3 does not compress.
                "gzip": True,
                "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
            }
        },
    }
else:
    STATIC_FILES_STORAGE = {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    }


def _static_origin() -> list[str]:
    """Where pages load CSS, JS and icons from besides the site itself, for the CSP: the
    bucket's static folder itself, a path and not a host, since a storage endpoint (Spaces,
    R2, a regional AWS address) serves everybody's buckets, whose scripts must not run here.
    tests/core/test_static_releases.py checks each shape against the storage's own URLs."""
    if STATIC_STORAGE != "s3":
        return []
    bucket = STATIC_FILES_STORAGE["OPTIONS"]["bucket"]
    folder = f"{bucket['location']}/"
    if bucket["custom_domain"]:
        return [f"https://{bucket['custom_domain']}/{folder}"]
    if bucket["endpoint_url"]:  # path-style: the endpoint, then the bucket
        parts = urlsplit(bucket["endpoint_url"])
        return [f"{parts.scheme}://{parts.netloc}/{bucket['bucket_name']}/{folder}"]
    if "." in bucket["bucket_name"]:  # not a host name label: AWS addresses it by path
        region = bucket["region_name"]
        host = f"s3.{region}.amazonaws.com" if region else "s3.amazonaws.com"
        return [f"https://{host}/{bucket['bucket_name']}/{folder}"]
    return [f"https://{bucket['bucket_name']}.s3.amazonaws.com/{folder}"]


STORAGES = {
    "default": MEDIA_BACKEND,
    "staticfiles": STATIC_FILES_STORAGE,
}

# --- Email ----------------------------------------------------------------------------------

DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Eternity <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
_smtp_host = os.environ.get("EMAIL_HOST", "" if DEBUG else "localhost")
# Every mail leaves through the task queue: the request only queues it (apps.core.jobs.mail), and
# the worker hands it to the "outbound" mailer, retrying with backoff while it is unreachable.
MAILERS = {
    "default": {"BACKEND": "apps.core.jobs.mail.QueuedEmailBackend"},
    "outbound": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": _smtp_host,
            "port": env_int("EMAIL_PORT", 587),
            "username": os.environ.get("EMAIL_HOST_USER", ""),
            "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
            "use_tls": env_bool("EMAIL_USE_TLS", True),
            "timeout": 10,
        },
    }
    if _smtp_host
    # Local development: the worker prints each mail readably, links can be clicked there.
    else {"BACKEND": "apps.core.jobs.mail.ReadableConsoleBackend"},
}
MAIL_MAX_ATTEMPTS = env_int("MAIL_MAX_ATTEMPTS", 6)
MAIL_RETRY_SECONDS = env_int("MAIL_RETRY_SECONDS", 30)  # then 4x longer each time: 30 s … 2 h

# --- Web Push -------------------------------------------------------------------------------

# The site's VAPID private key (apps/push/keys.py reads a PEM, base64url or 64 hex characters;
# `python manage.py vapid_keys` makes one). Unset: push is off, except with DEBUG, where a key
# is made on first use and kept in VAPID_DEVELOPMENT_KEY_FILE (gitignored) so that `make run`
# pushes with no setup.
VAPID_PRIVATE_KEY = os.environ.get("VAPID_PRIVATE_KEY", "").strip()
VAPID_DEVELOPMENT_KEY_FILE = BASE_DIR / ".vapid-development-key" if DEBUG else None
# Whom push services contact about this site's messages (RFC 8292 "sub"): mailto: or https:.
# Default: the sender address of the site's mail, or else the site's https address.
_from_address = parseaddr(DEFAULT_FROM_EMAIL)[1]
VAPID_SUBJECT = os.environ.get("VAPID_SUBJECT", "").strip() or (
    f"mailto:{_from_address}"
    if _from_address.rpartition("@")[2] not in {"", "localhost"}
    else SITE_URL
    if SITE_URL.startswith("https://")
    else "mailto:noreply@localhost"
)
# Subscriptions must name an https push service; plain http is taken only with DEBUG or this
# (the tests' local push-service stand-in).
PUSH_ALLOW_HTTP_ENDPOINTS = env_bool("PUSH_ALLOW_HTTP_ENDPOINTS", False)
# The push services browsers use (Chrome, Edge, Opera, Samsung: Google's; Firefox: Mozilla's;
# Safari: Apple's; Windows: WNS), each with the hosts under it. A subscription elsewhere is
# refused, so the worker posts only to them; "*" takes any public https host.
PUSH_SERVICE_HOSTS = env_list(
    "PUSH_SERVICE_HOSTS",
    "fcm.googleapis.com,android.googleapis.com,push.services.mozilla.com,push.apple.com,"
    "notify.windows.com",
)

# --- Background work ------------------------------------------------------------------------

# Django's tasks framework with a database-backed queue: no extra service, the same database
# everywhere (SQLite or PostgreSQL). `python manage.py worker` runs the tasks and the periodic
# jobs (apps/*/tasks.py, registered with apps.core.jobs.periodic.every).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# A worker beats every third of this (apps.core.jobs.lease); a task still running under a
# worker silent for longer (killed, out of memory, its machine lost) is run again by another.
TASK_LEASE_SECONDS = env_int("TASK_LEASE_SECONDS", 60)
if TASK_LEASE_SECONDS < 3:
    raise ImproperlyConfigured(
        f"TASK_LEASE_SECONDS must be at least 3 (a worker beats every third of it), "
        f"got {TASK_LEASE_SECONDS}."
    )

# --- Security -------------------------------------------------------------------------------

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE, *_static_origin()],
    "style-src": [CSP.SELF, CSP.NONCE, *_static_origin()],
    "img-src": [
        CSP.SELF,
        "data:",
        "blob:",
        *_media_origin(),
        *_static_origin(),
        *env_list("CSP_EXTRA_IMG_SRC"),
    ],
    # The service worker fetches the shell it keeps, which may live in the static bucket.
    "connect-src": [CSP.SELF, *_static_origin()],
    # The service worker (/sw.js) and the app manifest, from the site itself only.
    "worker-src": [CSP.SELF],
    "manifest-src": [CSP.SELF],
    "font-src": [CSP.SELF, *_static_origin()],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF, *_social_login_origins(), *env_list("CSP_EXTRA_FORM_ACTION")],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie.

# Behind a TLS-terminating proxy (Heroku, a load balancer) the scheme comes from this header.
if env_bool("SECURE_PROXY_SSL_HEADER", not DEBUG):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz/$", r"^readyz/$"]
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)

DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Image uploads (profile photos, post images): refused beyond these, before decoding.
IMAGE_UPLOAD_MAX_BYTES = env_int("IMAGE_UPLOAD_MAX_MB", 5) * 1024 * 1024
# Every accepted upload stays in memory (bigger bodies are refused unread, see
# apps/core/uploads/limits.py), so no request, even one killed mid-way, leaves a temporary file.
UPLOAD_FORM_OVERHEAD = 64 * 1024  # the other fields and multipart boundaries around a file
FILE_UPLOAD_MAX_MEMORY_SIZE = IMAGE_UPLOAD_MAX_BYTES + UPLOAD_FORM_OVERHEAD
IMAGE_MAX_PIXELS = env_int("IMAGE_MAX_MEGAPIXELS", 40) * 1_000_000

# --- Apps -----------------------------------------------------------------------------------

# Presence: a user is Online while a page of theirs polls or they act within PRESENCE_TTL.
PRESENCE_TTL = env_int("PRESENCE_TTL", 120)  # seconds
PRESENCE_POLL_INTERVAL = env_int("PRESENCE_POLL_INTERVAL", 30)  # seconds between page polls
PRESENCE_TOUCH_INTERVAL = env_int("PRESENCE_TOUCH_INTERVAL", 60)  # at most one write per user
PRESENCE_MAX_USERNAMES = 100  # per poll
# Web Push (apps/push): a notification is pushed PUSH_DELAY seconds after it is made (or after
# the member goes offline), never while they are online, at most once per PUSH_MIN_INTERVAL;
# notifications older than PUSH_MAX_AGE are not pushed. A push service that fails or hangs
# (PUSH_TIMEOUT) is tried again PUSH_RETRY_SECONDS later, four times longer each time,
# PUSH_MAX_ATTEMPTS in all; it keeps an undelivered message for PUSH_TTL seconds.
PUSH_DELAY = env_int("PUSH_DELAY", 60)
PUSH_MIN_INTERVAL = env_int("PUSH_MIN_INTERVAL", 120)
PUSH_MAX_AGE = 24 * 60 * 60
PUSH_TIMEOUT = env_int("PUSH_TIMEOUT", 10)
PUSH_RETRY_SECONDS = env_int("PUSH_RETRY_SECONDS", 30)
PUSH_MAX_ATTEMPTS = env_int("PUSH_MAX_ATTEMPTS", 5)
PUSH_TTL = env_int("PUSH_TTL", 12 * 60 * 60)
# Browsers a member may have push on in at once; subscribing one more forgets the oldest.
PUSH_MAX_BROWSERS = 10
# How fresh "Sessions and devices" keeps a device's last activity (seconds).
USER_SESSION_REFRESH_INTERVAL = 300

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

MESSAGE_TAGS = {40: "danger"}

# One JSON object a line in production (LOG_FORMAT=json), readable lines in development;
# each line carries the id of the request it was written for (apps/core/ops/requestid.py).
LOG_FORMAT = os.environ.get("LOG_FORMAT") or ("plain" if DEBUG else "json")
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured("LOG_FORMAT must be plain or json.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "apps.core.ops.requestid.RequestIdFilter"},
        "one_line_warning": {"()": "apps.core.ops.logs.OneLineWarning"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "apps.core.ops.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own console handler (DEBUG only) goes: its lines reach the root's, once,
        # in the site's format (with it, every django.* line, the worker's tasks', printed twice).
        "django": {"handlers": [], "level": "INFO"},
        "django.db.backends": {"level": "WARNING"},
        # A request for a host the site does not serve: one line, never a traceback or Sentry.
        "django.security.DisallowedHost": {"filters": ["one_line_warning"]},
    },
}

# Error reporting to Sentry, only when SENTRY_DSN is set. No personal data by default: no
# user ids, emails, IP addresses, cookies or request bodies; each event names its request id.
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.logging import ignore_logger

    from apps.core.ops.requestid import tag_sentry_event

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
        send_default_pii=False,
        max_request_body_size="never",
        traces_sample_rate=0.0,
        before_send=tag_sentry_event,
    )
    # Requests for hosts the site does not serve are the internet's noise, not our errors.
    ignore_logger("django.security.DisallowedHost")

# Metrics for Prometheus at /metrics (apps.core.ops.metrics): answered only with
# "Authorization: Bearer <METRICS_TOKEN>"; without a token the endpoint does not exist.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
# Every sample in /metrics carries node="<NODE_NAME>", so the series of the nodes behind one
# load balancer stay apart: the host name unless set (on Heroku the dyno's name, "web.1").
NODE_NAME = (
    os.environ.get("NODE_NAME", "").strip() or os.environ.get("DYNO", "") or socket.gethostname()
)
