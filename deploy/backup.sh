#!/usr/bin/env bash
# Nightly backup of the record (PostgreSQL). Cron: 15 2 * * * bodega /srv/bodega/deploy/backup.sh
# Keeps 14 days locally; copy /var/backups/bodega off the machine (rclone, restic, scp ...).
set -euo pipefail
set -a; . /etc/bodega/bodega.env; set +a
DIR=/var/backups/bodega
mkdir -p "$DIR"
URL="${DATABASE_URL/postgresql+psycopg:/postgresql:}"   # pg_dump speaks libpq URLs
pg_dump --format=custom --no-owner --file "$DIR/bodega-$(date +%F).dump" "$URL"
find "$DIR" -name 'bodega-*.dump' -mtime +14 -delete
# Restore: pg_restore --clean --no-owner -d "$URL" /var/backups/bodega/bodega-YYYY-MM-DD.dump
