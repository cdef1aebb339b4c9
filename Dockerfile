# syntax=docker/dockerfile:1
# Eternity: `docker build -t eternity:latest .` then
# `docker run -d -p 8000:8000 -e SECRET_KEY=… -e ALLOWED_HOSTS=localhost -e SITE_URL=http://localhost:8000 eternity:latest 0.0.0.0:8000`
# The container serves the site with nginx in front of gunicorn; uploads live in /app/media
# (mount a volume there to keep them).

ARG PYTHON_VERSION=3.13

# --- Build stage: wheels for every dependency, compiled once and cached -------------------
FROM python:${PYTHON_VERSION}-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
WORKDIR /build
COPY requirements.txt .
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-compile -r requirements.txt \
    && /opt/venv/bin/pip uninstall -y pip

# --- Runtime stage -------------------------------------------------------------------------
FROM python:${PYTHON_VERSION}-slim AS runtime
ENV PATH="/opt/venv/bin:${PATH}" \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings \
    PORT=8000 \
    MEDIA_ROOT=/app/media

# nginx runs in front of gunicorn (deploy/serve.sh): it holds slow and idle clients, so they
# cannot tie up gunicorn's workers, and serves uploaded images from /app/media.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends nginx \
    && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled/* \
    && groupadd --system --gid 10001 eternity \
    && useradd --system --uid 10001 --gid eternity --home-dir /app --shell /usr/sbin/nologin eternity

COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY --chown=10001:10001 . .

# Static files are collected at build time; no database or real secret is needed for it.
# With STATIC_STORAGE=s3 the release step (deploy/release.sh, run from this image before its
# containers start) also writes them to the bucket, where every release's files stay.
RUN SECRET_KEY=collectstatic-only SITE_URL=http://collectstatic.invalid DEBUG=0 \
    python manage.py collectstatic --noinput \
    && mkdir -p /app/media \
    && chown -R 10001:10001 /app/media /app/staticfiles

USER 10001:10001
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('PORT', '8000')}/healthz/\", timeout=4)"]

ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD []
