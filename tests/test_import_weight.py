"""The server process stays light: the heavy libraries are imported where they are used.

scikit-learn and scipy (about 95 MB) belong to the grouping engine, which runs in its own
process (workshop/grouping/worker.py); alembic (about 30 MB) to migrations; openpyxl
(about 22 MB) to XLSX exports. A server that starts, seats a phone, takes its idea and
shows close-idea hints must not load any of them (issue #17: the process's RSS was its
modules before it was its phones). Checked in a fresh interpreter, where ``sys.modules``
holds only what this path imported; the XLSX and migration paths are checked to still
load what they need.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

HEAVY = ("sklearn", "scipy", "openpyxl", "alembic")

SCRIPT = textwrap.dedent(
    """
    import json, sys, uuid

    from workshop import create_app
    from workshop.config import TestConfig
    from workshop.extensions import db, socketio

    HEAVY = {heavy!r}

    def loaded():
        return sorted(m for m in sys.modules if m.split(".")[0] in HEAVY)

    app = create_app(TestConfig)
    with app.app_context():
        db.create_all()
        from tests.factories import make_workshop, ref

        workshop = ref(make_workshop())
    after = {{"create_app": loaded()}}

    http = app.test_client()
    page = http.post(
        f"/j/{{workshop.code}}", data={{"display_name": "Alice", "profile": "citizen"}}
    )
    assert page.status_code == 302, page.status_code
    phone = socketio.test_client(
        app, flask_test_client=http, auth={{"workshop_id": workshop.id, "role": "participant"}}
    )
    assert phone.is_connected()
    answer = phone.emit(
        "post_idea",
        {{"client_id": str(uuid.uuid4()), "title": "Une épicerie itinérante"}},
        callback=True,
    )
    assert answer["ok"] is True, answer
    after["join_and_post"] = loaded()
    hints = phone.emit("find_similar", {{"text": "une épicerie qui passe"}}, callback=True)
    assert hints["ok"] is True and hints["data"]["ideas"], hints
    after["hints"] = loaded()
    print(json.dumps(after))
    """
).format(heavy=HEAVY)


def _run(script: str) -> dict[str, list[str]]:
    done = subprocess.run(  # noqa: S603 — our own interpreter and script.
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, list[str]] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_a_phone_joining_posting_and_asking_for_hints_loads_no_heavy_library() -> None:
    after = _run(SCRIPT)
    assert after == {"create_app": [], "join_and_post": [], "hints": []}


def test_flask_migrate_is_set_up_when_first_read() -> None:
    """Importing the XLSX module loads no openpyxl; reading the app's migrate extension
    (what ``flask db`` and migrations/env.py do) brings Flask-Migrate and alembic in."""
    after = _run(
        textwrap.dedent(
            """
            import json, sys
            from workshop import create_app
            from workshop.config import TestConfig
            from workshop.exports import xlsx

            app = create_app(TestConfig)
            loaded = lambda: sorted(m for m in ("openpyxl", "alembic") if m in sys.modules)
            before = loaded()
            with app.app_context():
                directory = app.extensions["migrate"].directory
                real = type(app.extensions["migrate"]).__module__
            print(json.dumps({"before": before, "after": loaded(), "real": [real, directory]}))
            """
        )
    )
    assert after["before"] == []
    assert after["after"] == ["alembic"]
    assert after["real"][0] == "flask_migrate"
    assert after["real"][1].endswith("migrations")
