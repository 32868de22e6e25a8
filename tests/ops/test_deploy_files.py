"""The deploy/ examples say what the README says: units restart, migrations run before serving,
the proxy passes the client's address and hides the webhook key, backups use pg_dump."""

from __future__ import annotations

from config.settings import ROOT

DEPLOY = ROOT / "deploy"


def test_units_restart_always_and_migrate_before_serving() -> None:
    web = (DEPLOY / "bodega-web.service").read_text()
    worker = (DEPLOY / "bodega-worker.service").read_text()
    for unit in (web, worker):
        assert "Restart=always" in unit and "EnvironmentFile=/etc/bodega/bodega.env" in unit
    assert "ExecStartPre=/srv/bodega/.venv/bin/alembic upgrade head" in web
    assert "--host 127.0.0.1" in web  # only the proxy reaches it
    assert "python -m gateway.jobs.worker" in worker


def test_proxy_passes_the_client_address_and_keeps_the_key_out_of_logs() -> None:
    conf = (DEPLOY / "nginx-bodega.conf").read_text()
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in conf
    assert "listen 443 ssl" in conf and "return 301 https://" in conf
    assert "$request " not in conf and '"$request_method $uri"' in conf
    env = (DEPLOY / "bodega.env.example").read_text()
    assert "TRUSTED_PROXIES=1" in env and "BODEGA_ENV=production" in env


def test_deploy_migrates_then_checks_and_backups_use_pg_dump() -> None:
    deploy = (DEPLOY / "deploy.sh").read_text()
    assert deploy.index("alembic\" upgrade head") < deploy.index("systemctl restart") < deploy.index("doctor")
    assert "pg_dump --format=custom" in (DEPLOY / "backup.sh").read_text()
