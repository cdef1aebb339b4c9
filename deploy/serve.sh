#!/usr/bin/env bash
# Serve Eternity: nginx in front on HOST:PORT (it holds slow and idle clients and serves
# uploaded images), gunicorn behind it on a unix socket. Used by the container, compose, the
# Procfile (Heroku, with the nginx buildpack) and any server.
#
#   deploy/serve.sh [HOST:PORT]        default 0.0.0.0:$PORT (PORT defaults to 8000)
#
# Without an nginx binary it says so and runs gunicorn alone on HOST:PORT.
set -euo pipefail
cd "$(dirname "$0")/.."

listen="${1:-0.0.0.0:${PORT:-8000}}"

nginx_bin="${NGINX_BIN:-}"
for candidate in "$(command -v nginx || true)" /usr/sbin/nginx bin/nginx; do
    if [ -z "$nginx_bin" ] && [ -n "$candidate" ] && [ -x "$candidate" ]; then
        nginx_bin="$candidate"  # bin/nginx is where Heroku's nginx buildpack puts it
    fi
done
if [ -z "$nginx_bin" ]; then
    echo "serve: no nginx found, so gunicorn faces clients directly on $listen;" \
        "slow clients can tie up its workers (README: Deploy)." >&2
    GUNICORN_BIND="$listen" exec gunicorn -c config/gunicorn.conf.py
fi

runtime="$(mktemp -d "${TMPDIR:-/tmp}/eternity-serve.XXXXXX")"
socket="$runtime/gunicorn.sock"
mkdir -p "${MEDIA_ROOT:-$PWD/media}"
media_root="$(cd "${MEDIA_ROOT:-$PWD/media}" && pwd -P)"  # nginx follows no symlinks in it
# Trust X-Forwarded-Proto only from a proxy in front (Heroku's router, a load balancer); when
# nginx itself faces clients, the scheme is the one they really used.
if [ "${TRUSTED_PROXY_COUNT:-0}" -gt 0 ]; then
    forwarded_proto='$http_x_forwarded_proto'
else
    forwarded_proto='$scheme'
fi
# nginx serves the host names Django allows (ALLOWED_HOSTS, same syntax: ".example.com" is the
# domain and its subdomains); "*" allows any. Any other Host is answered with nothing.
server_names="$(python -c '
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
from django.conf import settings
hosts = settings.ALLOWED_HOSTS
print("~." if "*" in hosts else " ".join(hosts) or "\"\"")
')"
# Four times the image limit: Django refuses oversized uploads politely, nginx absurd ones.
max_body="$(( ${IMAGE_UPLOAD_MAX_MB:-5} * 4 ))m"

sed -e "s|@@LISTEN@@|$listen|g" \
    -e "s|@@RUNTIME@@|$runtime|g" \
    -e "s|@@SOCKET@@|$socket|g" \
    -e "s|@@MEDIA_ROOT@@|${media_root%/}|g" \
    -e "s|@@MAX_BODY@@|$max_body|g" \
    -e "s|@@FORWARDED_PROTO@@|$forwarded_proto|g" \
    -e "s|@@SERVER_NAMES@@|$server_names|g" \
    deploy/nginx.conf >"$runtime/nginx.conf"
if [ "$(id -u)" = 0 ]; then
    # Started as root (a CI machine): workers keep our user, so they can read its files. The
    # image itself runs as an unprivileged user.
    sed -i '1i user root;' "$runtime/nginx.conf"
fi
"$nginx_bin" -t -q -p "$runtime" -c "$runtime/nginx.conf" -e stderr

app=""
proxy=""
stopping=0
stop() {
    # nginx first, and wait for it: it finishes the requests it holds (uploads still arriving
    # included) while gunicorn still answers; then gunicorn's graceful shutdown.
    if [ -n "$proxy" ]; then
        kill -QUIT "$proxy" 2>/dev/null || true
        wait "$proxy" 2>/dev/null || true
    fi
    if [ -n "$app" ]; then
        kill -TERM "$app" 2>/dev/null || true
    fi
}
trap 'stopping=1; stop' TERM INT

# nginx appends the peer to X-Forwarded-For, so it counts as one more trusted proxy; gunicorn's
# own access log is off because nginx logs every request, including those it answers itself.
GUNICORN_BIND="unix:$socket" GUNICORN_ACCESS_LOG="" \
    TRUSTED_PROXY_COUNT="$(( ${TRUSTED_PROXY_COUNT:-0} + 1 ))" \
    gunicorn -c config/gunicorn.conf.py &
app=$!

# Open the public port only once gunicorn listens, so the site answers as soon as it is up.
for _ in $(seq 1 600); do
    if [ -S "$socket" ] || [ "$stopping" = 1 ]; then
        break
    fi
    kill -0 "$app" 2>/dev/null || { rm -rf "$runtime"; exit 1; }
    sleep 0.1
done
if [ "$stopping" = 0 ]; then
    "$nginx_bin" -p "$runtime" -c "$runtime/nginx.conf" -e stderr &
    proxy=$!
fi

# Whichever stops first, stop the other too and fail, so the container or platform restarts
# the pair; asked to stop (TERM, INT), stop both gracefully and succeed.
status=0
if [ "$stopping" = 0 ]; then
    wait -n "$app" "$proxy" || status=$?
fi
stop
wait "$app" 2>/dev/null || true
rm -rf "$runtime"
if [ "$stopping" = 1 ]; then
    exit 0
fi
exit "$(( status == 0 ? 1 : status ))"
