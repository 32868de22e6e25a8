#!/usr/bin/env bash
# Deploy a new version on the host: code, dependencies, migrations, restart, check.
# Run as root from the new checkout's directory: sudo bash deploy/deploy.sh
set -euo pipefail
APP=/srv/bodega
rsync -a --delete --exclude .venv --exclude instance --exclude .git ./ "$APP"/
[ -x "$APP/.venv/bin/python" ] || python3 -m venv "$APP/.venv"
"$APP/.venv/bin/pip" install -q -r "$APP/requirements.txt"
chown -R bodega:bodega "$APP"
set -a; . /etc/bodega/bodega.env; set +a
# Migrations run once, before either process restarts (the web unit runs them again: a no-op).
(cd "$APP" && sudo -u bodega --preserve-env "$APP/.venv/bin/alembic" upgrade head)
systemctl restart bodega-web bodega-worker
sleep 3
(cd "$APP" && sudo -u bodega --preserve-env "$APP/.venv/bin/flask" --app wsgi doctor)
