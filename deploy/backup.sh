#!/bin/sh
# Back up Eternity: the PostgreSQL database (pg_dump, custom format) and the uploaded media on
# local disk, into one folder with checksums. Restore with deploy/restore.sh.
#
#   DATABASE_URL=postgres://user@host/db PGPASSWORD=... MEDIA_ROOT=/app/media \
#     deploy/backup.sh /backups/2026-11-26
#
# Give the password in PGPASSWORD or ~/.pgpass rather than in the URL: the URL is on pg_dump's
# command line, which other users of the machine can see. The folder is readable by its owner
# only: the dump holds password hashes and sessions.
#
# The dump is one consistent snapshot, taken first; the media are copied after it. Files are
# only ever added under new random names, and a replaced photo's file is removed after the
# change commits, so a file is missing from the copy only if its row changed in the moment
# between the two. Media in a bucket (AWS_STORAGE_BUCKET_NAME) are not copied here: keep the
# bucket versioned, or copy it with `aws s3 sync` (README, "Backups and restore").
# pg_dump must be as new as the server (postgresql-client-NN).
set -eu
umask 077

out=${1:?usage: deploy/backup.sh OUTPUT_FOLDER}
: "${DATABASE_URL:?DATABASE_URL must name the PostgreSQL database to back up}"
case "$DATABASE_URL" in
  postgres://* | postgresql://*) ;;
  *) echo "backup.sh backs up PostgreSQL; DATABASE_URL is not a postgres:// URL" >&2; exit 2 ;;
esac
media=${MEDIA_ROOT:-media}
if [ -z "${AWS_STORAGE_BUCKET_NAME:-}" ] && [ ! -d "$media" ]; then
  echo "No media folder at $media: set MEDIA_ROOT to the folder of the uploads." >&2
  exit 2
fi

mkdir -p "$out"
rm -f "$out/db.dump" "$out/media.tar.gz" "$out/SHA256SUMS"
pg_dump --format=custom --no-owner --no-acl --dbname="$DATABASE_URL" --file="$out/db.dump"
files=db.dump
if [ -n "${AWS_STORAGE_BUCKET_NAME:-}" ]; then
  echo "Media are in the bucket $AWS_STORAGE_BUCKET_NAME: back it up with its versioning or aws s3 sync."
else
  # GNU tar exits 1 when a file changed while it was read (an upload arriving): the copy is
  # still whole; anything else is a failure.
  status=0
  tar -C "$media" -czf "$out/media.tar.gz" . || status=$?
  if [ "$status" -gt 1 ]; then
    echo "Copying the media failed (tar exited $status)." >&2
    exit "$status"
  fi
  files="$files media.tar.gz"
fi
# shellcheck disable=SC2086 # two plain file names, split on purpose
(cd "$out" && sha256sum $files > SHA256SUMS)
echo "Backed up to $out:"
ls -l "$out"
