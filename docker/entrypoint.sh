#!/bin/sh
# Container entrypoint.
#   IMAGE                      -> the site on 0.0.0.0:${PORT:-8000}
#   IMAGE 0.0.0.0:8000         -> the site bound there (`docker run … IMAGE 0.0.0.0:8000`)
#   IMAGE any command …        -> runs that command (e.g. python manage.py createsuperuser)
# The site is nginx in front of gunicorn (deploy/serve.sh). The release step (migrations, and
# static files to the bucket with STATIC_STORAGE=s3) is not run here but once per release:
# `IMAGE deploy/release.sh`, which compose's one-off `migrate` service and Heroku's release
# phase run.
set -eu

cd "$(dirname "$0")/.."

if [ "$#" -eq 0 ]; then
    exec deploy/serve.sh
fi

case "$1" in
    *:[0-9]*)
        if [ "$#" -ne 1 ]; then
            echo "entrypoint: expected one HOST:PORT argument, got: $*" >&2
            exit 64
        fi
        exec deploy/serve.sh "$1"
        ;;
    *)
        exec "$@"
        ;;
esac
