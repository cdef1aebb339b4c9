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
# between the two. Media in a bucket (MEDIA_STORAGE=s3, the default when
# AWS_STORAGE_BUCKET_NAME is set) are not copied here: keep the bucket versioned or replicated,
# or copy it with `aws s3 sync` (README, "Backups and restore").
# Run it with the site's own MEDIA_STORAGE, AWS_STORAGE_BUCKET_NAME, WEB_NODES and
# MEDIA_SHARED_VOLUME: the folder's CONTENTS file says what the backup holds and what it does not.
# pg_dump must be as new as the server (postgresql-client-NN).
set -eu
umask 077

out=${1:?usage: deploy/backup.sh OUTPUT_FOLDER}
: "${DATABASE_URL:?DATABASE_URL must name the PostgreSQL database to back up}"
case "$DATABASE_URL" in
  postgres://* | postgresql://*) ;;
  *) echo "backup.sh backs up PostgreSQL; DATABASE_URL is not a postgres:// URL" >&2; exit 2 ;;
esac
bucket=${AWS_STORAGE_BUCKET_NAME:-}
storage=${MEDIA_STORAGE:-}
if [ -z "$storage" ]; then
  if [ -n "$bucket" ]; then storage=s3; else storage=local; fi
fi
case "$storage" in
  local | s3) ;;
  *) echo "MEDIA_STORAGE must be local or s3, got '$storage'." >&2; exit 2 ;;
esac
if [ "$storage" = s3 ] && [ -z "$bucket" ]; then
  echo "MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME, the bucket the media are in." >&2
  exit 2
fi
media=${MEDIA_ROOT:-media}
if [ "$storage" = local ] && [ ! -d "$media" ]; then
  echo "No media folder at $media: set MEDIA_ROOT to the folder of the uploads." >&2
  exit 2
fi
nodes=${WEB_NODES:-1}
case "${MEDIA_SHARED_VOLUME:-0}" in
  1 | true | yes | on) shared=1 ;;
  *) shared=0 ;;
esac

mkdir -p "$out"
rm -f "$out/db.dump" "$out/media.tar.gz" "$out/SHA256SUMS" "$out/CONTENTS"
pg_dump --format=custom --no-owner --no-acl --dbname="$DATABASE_URL" --file="$out/db.dump"
files="db.dump CONTENTS"
# The database's name only, never the URL (it may hold a password): the path after the host.
address=${DATABASE_URL#*://}
address=${address#*@}
address=${address%%\?*}
case "$address" in
  */?*) database=${address#*/} ;;
  *) database="(the server's default database)" ;;
esac
node=$(uname -n)
{
  echo "Eternity backup, $(date -u '+%Y-%m-%d %H:%M:%S') UTC, made on $node."
  echo "db.dump: the PostgreSQL database $database (pg_dump, custom format)."
} >"$out/CONTENTS"
if [ "$storage" = s3 ]; then
  {
    echo "Media: NOT in this backup. They are in the S3 bucket $bucket (MEDIA_STORAGE=s3):"
    echo "keep that bucket versioned or replicated, or copy it with aws s3 sync."
  } >>"$out/CONTENTS"
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
  if [ "$shared" = 1 ]; then
    echo "media.tar.gz: the uploaded images in $media, the volume all web nodes share." \
      >>"$out/CONTENTS"
  else
    echo "media.tar.gz: the uploaded images in $media on $node." >>"$out/CONTENTS"
    if [ "$nodes" -gt 1 ] 2>/dev/null; then
      warning="WARNING: WEB_NODES=$nodes and the media are on this node's own disk (no"
      warning="$warning MEDIA_SHARED_VOLUME=1): this backup holds only the images uploaded"
      warning="$warning through this node. Keep them in a bucket (MEDIA_STORAGE=s3) or on one"
      warning="$warning volume all nodes share."
      echo "$warning" | tee -a "$out/CONTENTS" >&2
    fi
  fi
fi
# shellcheck disable=SC2086 # plain file names, split on purpose
(cd "$out" && sha256sum $files > SHA256SUMS)
echo "Backed up to $out:"
cat "$out/CONTENTS"
ls -l "$out"
