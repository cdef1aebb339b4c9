"""Settings behaviour that only shows when the process starts, so each test starts one."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.process
ROOT = Path(__file__).resolve().parents[2]


def run_check(*command: str, **env: str) -> subprocess.CompletedProcess[str]:
    unset = {"SECRET_KEY", "DEBUG", "SITE_URL", "PORT"}
    clean = {k: v for k, v in os.environ.items() if k not in unset}
    clean["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return subprocess.run(
        [sys.executable, "manage.py", *(command or ["check"])],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_start_without_secret_key_fails_naming_the_variable():
    result = run_check(DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_local_start_with_debug_needs_no_secret_key():
    result = run_check(DEBUG="1")
    assert result.returncode == 0, result.stderr


def test_a_malformed_boolean_is_reported_by_name():
    result = run_check(DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


PRODUCTION = {"DEBUG": "0", "SECRET_KEY": "x" * 50}


def test_production_start_without_site_url_fails_naming_the_variable():
    result = run_check(**PRODUCTION)
    assert result.returncode != 0
    assert "SITE_URL is not set" in result.stderr


@pytest.mark.parametrize(
    "value",
    ["eternity.example.com", "https://eternity.example.com/app", "ftp://eternity.example.com",
     "https://eternity.example.com?next=/", "https://user@eternity.example.com", "https://",
     "https://eternity.example.com:port"],
)  # fmt: skip
def test_a_site_url_that_is_not_an_origin_is_refused(value):
    result = run_check(**PRODUCTION, SITE_URL=value)
    assert result.returncode != 0
    assert "SITE_URL" in result.stderr
    assert repr(value) in result.stderr


def test_production_starts_with_a_site_url_and_keeps_it_as_given():
    shown = "from django.conf import settings; print(settings.SITE_URL, settings.SITE_DOMAIN)"
    result = run_check(
        "shell", "-v0", "-c", shown, **PRODUCTION, SITE_URL="https://Eternity.example.com:8443/"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "https://eternity.example.com:8443",
        "eternity.example.com:8443",
    ]


def test_local_start_links_to_the_development_server():
    shown = "from django.conf import settings; print(settings.SITE_URL)"
    result = run_check("shell", "-v0", "-c", shown, DEBUG="1")
    assert result.stdout.strip() == "http://127.0.0.1:8000"


def test_local_start_on_another_port_links_to_that_port():
    shown = "from django.conf import settings; print(settings.SITE_URL)"
    result = run_check("shell", "-v0", "-c", shown, DEBUG="1", PORT="8001")
    assert result.stdout.strip() == "http://127.0.0.1:8001"


def test_a_malformed_port_is_reported_by_name():
    result = run_check(DEBUG="1", PORT="eighty")
    assert result.returncode != 0
    assert "PORT must be an integer" in result.stderr


DATABASE_OPTIONS = (
    "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS'])"
)


def test_postgresql_prepares_statements_run_five_times_on_a_connection():
    result = run_check("shell", "-v0", "-c", DATABASE_OPTIONS, DEBUG="1",
                       DATABASE_URL="postgres://eternity@db.invalid/eternity")  # fmt: skip
    assert result.stdout.strip() == "{'server_side_binding': True, 'prepare_threshold': 5}"


def test_a_prepare_threshold_of_zero_leaves_binding_to_the_client():
    result = run_check("shell", "-v0", "-c", DATABASE_OPTIONS, DEBUG="1", DB_PREPARE_THRESHOLD="0",
                       DATABASE_URL="postgres://eternity@db.invalid/eternity")  # fmt: skip
    assert result.stdout.strip() == "{}"


def test_prepared_statements_behind_a_pooler_port_are_warned_about(monkeypatch):
    from django.conf import settings

    from apps.core.ops.checks import prepared_statements_behind_a_pooler as check

    database = settings.DATABASES["default"]
    monkeypatch.setitem(database, "PORT", "6432")
    monkeypatch.setitem(
        database, "OPTIONS", {**database.get("OPTIONS", {}), "prepare_threshold": 5}
    )
    assert [message.id for message in check(None)] == ["eternity.W001"]
    monkeypatch.setitem(database, "OPTIONS", {**database["OPTIONS"], "prepare_threshold": None})
    assert check(None) == []
    monkeypatch.setitem(database, "OPTIONS", {**database["OPTIONS"], "prepare_threshold": 5})
    monkeypatch.setitem(database, "PORT", "5432")
    assert check(None) == []


MEDIA = (
    "from django.conf import settings; "
    "print(settings.MEDIA_STORAGE, settings.STORAGES['default']['BACKEND'])"
)


@pytest.mark.parametrize(
    ("env", "shown"),
    [({}, "local django.core.files.storage.FileSystemStorage"),
     ({"AWS_STORAGE_BUCKET_NAME": "media"}, "s3 apps.core.uploads.storage.PeriodSignedS3Storage"),
     ({"AWS_STORAGE_BUCKET_NAME": "media", "MEDIA_STORAGE": "local"},
      "local django.core.files.storage.FileSystemStorage")],
    ids=["no bucket", "a bucket", "a bucket, but local said"],
)  # fmt: skip
def test_uploads_go_to_the_bucket_when_one_is_set_unless_local_is_said(env, shown):
    result = run_check("shell", "-v0", "-c", MEDIA, DEBUG="1", **env)
    assert result.stdout.strip() == shown, result.stderr


@pytest.mark.parametrize(
    ("env", "said"),
    [({"MEDIA_STORAGE": "disk"}, "MEDIA_STORAGE must be local or s3, got 'disk'"),
     ({"MEDIA_STORAGE": "s3"}, "MEDIA_STORAGE=s3 needs a bucket: set AWS_STORAGE_BUCKET_NAME"),
     ({"WEB_NODES": "0"}, "WEB_NODES must be 1 or more, got 0"),
     ({"WEB_NODES": "two"}, "WEB_NODES must be an integer, got 'two'"),
     ({"MEDIA_URL_PERIOD": "10"}, "MEDIA_URL_PERIOD must be between 60 and 302400 seconds"),
     ({"MEDIA_SHARED_VOLUME": "maybe"}, "MEDIA_SHARED_VOLUME must be a boolean")],
)  # fmt: skip
def test_a_media_setting_that_cannot_work_stops_the_start_naming_it(env, said):
    result = run_check(DEBUG="1", **env)
    assert result.returncode != 0
    assert said in result.stderr


def test_a_task_lease_shorter_than_three_seconds_is_refused():
    result = run_check(DEBUG="1", TASK_LEASE_SECONDS="2")
    assert result.returncode != 0
    assert "TASK_LEASE_SECONDS must be at least 3" in result.stderr
