#!/bin/sh
# Container entrypoint.
#   IMAGE                      -> gunicorn on 0.0.0.0:${PORT:-8000}
#   IMAGE 0.0.0.0:8000         -> gunicorn bound there (the seed's `docker run … IMAGE 0.0.0.0:8000`)
#   IMAGE any command …        -> runs that command (e.g. python manage.py createsuperuser)
# Migrations are not run here: compose runs a one-off `migrate` service, Heroku a release phase.
set -eu

cd "$(dirname "$0")/.."

if [ "$#" -eq 0 ]; then
    exec gunicorn -c config/gunicorn.conf.py
fi

case "$1" in
    *:[0-9]*)
        if [ "$#" -ne 1 ]; then
            echo "entrypoint: expected one HOST:PORT argument, got: $*" >&2
            exit 64
        fi
        GUNICORN_BIND="$1" exec gunicorn -c config/gunicorn.conf.py
        ;;
    *)
        exec "$@"
        ;;
esac
