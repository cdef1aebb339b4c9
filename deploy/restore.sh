#!/bin/sh
# Restore an Eternity backup made by deploy/backup.sh into the database DATABASE_URL names
# (an empty one, or one to be replaced: existing tables are dropped first) and into MEDIA_ROOT.
#
#   DATABASE_URL=postgres://... MEDIA_ROOT=/app/media deploy/restore.sh /backups/2026-11-26
#
# The checksums are verified before anything is touched; the database is restored in one
# transaction, so a failed restore leaves it as it was. Stop the site (web and worker) first.
set -eu

from=${1:?usage: deploy/restore.sh BACKUP_FOLDER}
: "${DATABASE_URL:?DATABASE_URL must name the PostgreSQL database to restore into}"
media=${MEDIA_ROOT:-media}

(cd "$from" && sha256sum --check --quiet SHA256SUMS)
pg_restore --clean --if-exists --no-owner --no-acl --single-transaction --exit-on-error \
  --dbname="$DATABASE_URL" "$from/db.dump"
if [ -f "$from/media.tar.gz" ]; then
  mkdir -p "$media"
  tar -C "$media" -xzf "$from/media.tar.gz"
fi
echo "Restored $from into the database and $media."
