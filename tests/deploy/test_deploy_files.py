"""The deploy files, checked without a Docker engine: lint, schema, and the rules we promise."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def test_the_dockerfile_passes_hadolint():
    result = subprocess.run(
        [BIN / "hadolint", "Dockerfile"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_compose_file_is_valid_against_the_compose_specification():
    result = subprocess.run(
        [BIN / "check-jsonschema", "--builtin-schema", "vendor.compose-spec",
         "docker-compose.yml"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def test_the_image_is_multi_stage_on_python_slim_and_runs_as_a_numeric_non_root_user(dockerfile):
    assert len(re.findall(r"^FROM python:\$\{PYTHON_VERSION\}-slim", dockerfile, re.M)) == 2
    assert "ARG PYTHON_VERSION=3.13" in dockerfile
    users = re.findall(r"^USER (\S+)", dockerfile, re.M)
    assert users == ["10001:10001"]


def test_dependencies_are_installed_before_the_code_is_copied(dockerfile):
    assert dockerfile.index("COPY requirements.txt") < dockerfile.index("pip install")
    assert dockerfile.index("pip install") < dockerfile.index("COPY --chown=10001:10001 . .")


def test_static_files_are_collected_at_build_and_migrations_never_made(dockerfile):
    assert "collectstatic --noinput" in dockerfile
    assert "makemigrations" not in dockerfile
    assert "makemigrations" not in (ROOT / "docker/entrypoint.sh").read_text()


def test_the_healthcheck_needs_no_extra_packages(dockerfile):
    healthcheck = re.search(r"^HEALTHCHECK .*?CMD (.*)$", dockerfile, re.M | re.S).group(1)
    assert "/healthz/" in healthcheck
    assert "curl" not in dockerfile
    assert "wget" not in dockerfile


def test_secrets_venvs_media_and_git_stay_out_of_the_image():
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".git", ".env", ".venv", "media", "db.sqlite3*"):
        assert entry in ignored


def test_the_procfile_migrates_in_the_release_phase_and_serves_with_nginx_before_gunicorn():
    procfile = dict(
        line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line
    )
    assert procfile["release"] == "deploy/release.sh"
    release = (ROOT / "deploy/release.sh").read_text()
    assert "python manage.py migrate --noinput" in release
    # Static files reach the bucket before anything else changes (tests/deploy/test_static.py).
    assert release.index("collectstatic --noinput") < release.index("migrate --noinput")
    assert procfile["web"] == "deploy/serve.sh"
    assert procfile["worker"] == "python manage.py worker"
    serve = (ROOT / "deploy/serve.sh").read_text()
    assert "gunicorn -c config/gunicorn.conf.py" in serve
    assert "deploy/nginx.conf" in serve


def test_heroku_gets_the_nginx_binary_from_its_buildpack():
    app = json.loads((ROOT / "app.json").read_text())
    buildpacks = [pack["url"] for pack in app["buildpacks"]]
    assert buildpacks == ["heroku/python", "heroku-community/nginx"]
    assert "bin/nginx" in (ROOT / "deploy/serve.sh").read_text()  # where that buildpack puts it


def test_app_json_provisions_postgres_redis_and_a_generated_secret():
    app = json.loads((ROOT / "app.json").read_text())
    assert app["formation"]["worker"]["quantity"] == 1
    assert any(addon.startswith("heroku-postgresql") for addon in app["addons"])
    assert any(addon.startswith("heroku-redis") for addon in app["addons"])
    assert app["env"]["SECRET_KEY"]["generator"] == "secret"
    assert app["env"]["TRUSTED_PROXY_COUNT"]["value"] == "1"


def test_compose_runs_migrations_once_before_web_and_keeps_data_in_named_volumes():
    import yaml

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    web = services["web"]["depends_on"]
    assert web["migrate"]["condition"] == "service_completed_successfully"
    assert web["db"]["condition"] == "service_healthy"
    assert web["redis"]["condition"] == "service_healthy"
    assert "healthcheck" in services["db"]
    assert "healthcheck" in services["redis"]
    assert services["migrate"]["command"] == ["deploy/release.sh"]
    assert set(compose["volumes"]) == {"pgdata", "media"}
    assert services["worker"]["command"] == ["python", "manage.py", "worker"]
    assert services["worker"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully"
    )
    assert services["web"]["ports"] == ["8000:8000"]


def test_python_version_is_pinned_for_every_platform():
    assert (ROOT / ".python-version").read_text().strip() == "3.13"
