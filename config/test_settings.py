"""Settings for the test suite: the real settings plus fast, isolated test doubles.

The database comes from DATABASE_URL like everywhere else, so the same suite runs on SQLite
and on PostgreSQL.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-not-secret")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
# Mail links name the test client's host, as a real site's name its own address.
os.environ.setdefault("SITE_URL", "http://testserver")
# Push is on in the tests, with a key made for them only (64 hex characters, as Heroku makes).
os.environ.setdefault(
    "VAPID_PRIVATE_KEY", "4f1b9a3c8d2e7f60a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2"
)
# A subject push services take, also in the servers the process tests start with DEBUG=0.
os.environ.setdefault("VAPID_SUBJECT", "mailto:push-tests@eternity.example")

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Django's test runner replaces every mailer with its in-memory outbox; the tests of the mail
# queue (tests/core/test_background.py) put the queued mailer back where they need it.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Staff tests sign in without two-factor; tests of the requirement switch it on.
STAFF_REQUIRE_TWO_FACTOR = False
# The browser tests' live server is plain http://localhost.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
# Every page a test renders twice checks that its stencils' keys name all they show.
STENCIL_VERIFY = True
# The proof-of-work check at a tenth of its difficulty, so the many tests that sign up stay
# fast; the browser journey that measures it puts the production value back.
POW_MAX_NUMBER_PRODUCTION = POW_MAX_NUMBER  # noqa: F405
POW_MAX_NUMBER = POW_MAX_NUMBER_PRODUCTION // 10
