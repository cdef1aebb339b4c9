#!/bin/sh
# Restore an Eternity backup made by deploy/backup.sh into a new, empty PostgreSQL database
# (createdb) and into MEDIA_ROOT; then point the site at that database.
#
#   DATABASE_URL=postgres://user@host/new_db PGPASSWORD=... MEDIA_ROOT=/app/media \
#     deploy/restore.sh /backups/2026-11-26
#
# Nothing is touched unless the checksums match. The media come first: their files have random
# names that never change, so unpacking adds what is missing and replaces nothing anyone uses.
# The database is restored in one transaction and refuses a database that already has tables,
# so a failed restore leaves it as it was. Stop the web and the worker first. The backup's
# CONTENTS says what it holds: media kept in a bucket are not in it (the bucket keeps them).
set -eu

from=${1:?usage: deploy/restore.sh BACKUP_FOLDER}
: "${DATABASE_URL:?DATABASE_URL must name the new, empty PostgreSQL database to restore into}"
media=${MEDIA_ROOT:-media}

(cd "$from" && sha256sum --check --quiet SHA256SUMS)
if [ -f "$from/CONTENTS" ]; then
  cat "$from/CONTENTS"
fi
if [ -f "$from/media.tar.gz" ]; then
  mkdir -p "$media"
  tar -C "$media" -xzf "$from/media.tar.gz"
fi
pg_restore --no-owner --no-acl --single-transaction --exit-on-error \
  --dbname="$DATABASE_URL" "$from/db.dump"
echo "Restored $from into the database and $media."
