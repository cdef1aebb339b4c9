#!/usr/bin/env bash
# The release step: run once per release, from the new release's code (its image, its slug),
# before any of its web nodes start and while the previous release still serves.
#
#   deploy/release.sh        Heroku's release phase (Procfile), compose's `migrate` service,
#                            `docker run --rm … IMAGE deploy/release.sh`, or by hand
#
# 1. With STATIC_STORAGE=s3, collectstatic writes this release's hashed static files to the
#    bucket, next to the previous releases' (never deleted), so every page finds its CSS and
#    JS whichever release's node it reaches. First, so that an unreachable bucket stops the
#    release before anything changed. The image build has already collected them into
#    STATIC_ROOT (whitenoise serves them, and the manifest there names them); a Docker build
#    has no bucket credentials, so the bucket is written here. (Heroku's build sees the
#    config vars and may write them already; this step then finds them there.)
# 2. Migrations, then the cache tables.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${STATIC_STORAGE:-local}" = s3 ]; then
    python manage.py collectstatic --noinput
fi
python manage.py migrate --noinput
python manage.py createcachetable
