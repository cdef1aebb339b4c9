#!/bin/sh
# Back up Eternity: the PostgreSQL database (pg_dump, custom format) and the uploaded media
# on local disk, into one folder with checksums. Restore with deploy/restore.sh.
#
#   DATABASE_URL=postgres://... MEDIA_ROOT=/app/media deploy/backup.sh /backups/2026-11-26
#
# The dump is one consistent snapshot, taken first; the media are copied after it, so every
# file a restored row names is in the copy (files are only ever added under new random names,
# and removed after the row that named them changed). Media in a bucket (AWS_STORAGE_BUCKET_NAME)
# are not copied here: keep the bucket versioned, or copy it with `aws s3 sync` (README).
# pg_dump must be as new as the server (postgresql-client-NN).
set -eu

out=${1:?usage: deploy/backup.sh OUTPUT_FOLDER}
: "${DATABASE_URL:?DATABASE_URL must name the PostgreSQL database to back up}"
case "$DATABASE_URL" in
  postgres://* | postgresql://*) ;;
  *) echo "backup.sh backs up PostgreSQL; DATABASE_URL is not a postgres:// URL" >&2; exit 2 ;;
esac
media=${MEDIA_ROOT:-media}

mkdir -p "$out"
pg_dump --format=custom --no-owner --no-acl --dbname="$DATABASE_URL" --file="$out/db.dump"
if [ -n "${AWS_STORAGE_BUCKET_NAME:-}" ]; then
  echo "Media are in the bucket $AWS_STORAGE_BUCKET_NAME: back it up with the bucket's versioning or aws s3 sync."
elif [ -d "$media" ]; then
  tar -C "$media" -czf "$out/media.tar.gz" .
else
  echo "No media folder at $media: nothing uploaded yet." >&2
fi
files=db.dump
if [ -f "$out/media.tar.gz" ]; then
  files="$files media.tar.gz"
fi
# shellcheck disable=SC2086 # two plain file names, split on purpose
(cd "$out" && sha256sum $files > SHA256SUMS)
echo "Backed up to $out:"
ls -l "$out"
