"""docs/deploy.md shows the nginx configuration ``make stack`` runs, and every variable
the stack gives its workers."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from scripts.stack import NGINX_TEMPLATE, ROOT, Postgres, Stack, Worker, render_nginx_site

DOC = ROOT / "docs" / "deploy.md"
BLOCK = re.compile(
    r"<!-- nginx-template:start -->\n```nginx\n(.*?)```\n<!-- nginx-template:end -->", re.DOTALL
)


def test_the_doc_shows_the_template_the_stack_uses() -> None:
    match = BLOCK.search(DOC.read_text())
    assert match, "no nginx-template block in docs/deploy.md"
    assert match.group(1) == NGINX_TEMPLATE.read_text(), (
        "docs/deploy.md and deploy/semis.nginx.conf differ: copy the template into the doc"
    )


def test_rendering_fills_every_field() -> None:
    site = render_nginx_site(
        ["127.0.0.1:5001", "127.0.0.1:5002"],
        listen="443 ssl",
        server_name="semis.example.org",
        static_root="/srv/semis/static/",
    )
    assert "{{" not in site and "}}" not in site
    assert "    server 127.0.0.1:5001 max_fails=1 fail_timeout=5s;\n" in site
    assert "    server 127.0.0.1:5002 max_fails=1 fail_timeout=5s;\n" in site
    assert "listen 443 ssl;" in site and "server_name semis.example.org;" in site
    assert "alias /srv/semis/static/;" in site
    directives = [line.strip() for line in site.splitlines() if not line.strip().startswith("#")]
    assert "hash $semis_node consistent;" in directives
    assert not [line for line in directives if line.startswith("ip_hash")]


def test_the_doc_lists_every_variable_the_stack_sets(tmp_path: Path) -> None:
    stack = Stack(workdir=tmp_path, postgres=Postgres(tmp_path / "pg", port=5432))
    stack.workers = [Worker(0, 5001, {}, tmp_path / "worker0.log")]
    names = {name for name in stack.env() if name.startswith("WORKSHOP_")}
    text = DOC.read_text()
    assert {name for name in names if f"`{name}`" not in text} == set()
    assert "WORKSHOP_SECRET_KEY" in names and "WORKSHOP_MESSAGE_QUEUE" in names


def test_nginx_accepts_the_rendered_configuration(tmp_path: Path) -> None:
    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if nginx is None:
        pytest.skip("nginx is not installed (apt-get install nginx)")
    from scripts.stack import _nginx_main_config

    (tmp_path / "temp").mkdir()
    site = tmp_path / "semis.conf"
    site.write_text(
        render_nginx_site(["127.0.0.1:5001", "127.0.0.1:5002"], listen="127.0.0.1:8099")
    )
    conf = tmp_path / "nginx.conf"
    conf.write_text(_nginx_main_config(tmp_path, site))
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(conf)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
