"""Configuration: safe defaults, overridden by ``WORKSHOP_*`` environment variables.

Every setting here can be set from the environment (or a ``.env`` file) by prefixing
its name with ``WORKSHOP_``: ``WORKSHOP_DATABASE_URL=postgresql://...``. Values are
parsed as JSON when they can be (``WORKSHOP_BROADCAST_WINDOW_MS=100`` is an int).
The README lists every variable.
"""

from __future__ import annotations

from pathlib import Path

#: The checkout: ``static/``, ``templates/``, ``translations/`` and ``docs/`` sit here,
#: beside the package (see the README).
ROOT = Path(__file__).resolve().parent.parent

DEFAULT_SECRET_KEY = "semis-development-key-change-me"  # noqa: S105 - detected and refused


class Config:
    """Development defaults: SQLite in ``instance/``, one process, eventlet."""

    # "development" or "production"; production refuses the default secret key.
    ENV = "development"
    SECRET_KEY = DEFAULT_SECRET_KEY
    # None means SQLite at instance/semis.sqlite3 (resolved by the factory).
    DATABASE_URL: str | None = None
    # redis://... joins several server processes; None for a single process.
    MESSAGE_QUEUE: str | None = None
    # Set by run.py from WORKSHOP_ASYNC_MODE: eventlet (production, its default), gevent
    # (fallback) or threading. Every other entry point (flask commands, tests) uses threading.
    ASYNC_MODE = "threading"
    # Base URL printed in join links and QR codes; None means "the URL the request came on".
    PUBLIC_URL: str | None = None
    # Origins allowed to open a Socket.IO connection. Empty: the server's own origin only.
    # A list replaces that default, so include the app's own public origin; never "*".
    CORS_ORIGINS: list[str] = []
    # Number of reverse proxies in front of the app (nginx: 1), for client addresses.
    PROXY_COUNT = 0
    # Broadcast coalescing window: facts of one workshop within it leave together.
    BROADCAST_WINDOW_MS = 50
    # Vote tallies wait up to this long, folded into one message per flush (≤ 250 ms).
    TALLY_WINDOW_MS = 200
    # Presence counts are sent at most this often per workshop.
    PRESENCE_INTERVAL_MS = 1000
    # The défi tables' roll-up (tables_summary) is sent at most this often per workshop.
    TABLES_SUMMARY_INTERVAL_MS = 500
    # Votes each participant has at their table, per round (to choose what it keeps).
    TABLE_VOTES = 3
    # A reconnecting client missing more events than this gets a snapshot instead.
    REPLAY_LIMIT = 500
    # How long the snapshot participants (and screens) share at one seq is kept, so that
    # a room connecting at once builds it once (services/snapshot.py); 0: never kept.
    SNAPSHOT_CACHE_MS = 1000
    # Connections (phones, screens, consoles, page loads) one server process holds at
    # once; beyond it new ones wait. eventlet's own default, 1,024, is a room of 1,000.
    MAX_CONNECTIONS = 5000
    # Largest Socket.IO message accepted, in bytes.
    MAX_MESSAGE_BYTES = 16 * 1024
    # Largest request importing a workshop export into a portfolio, in bytes; nginx's
    # client_max_body_size for the import routes must allow it (deploy/semis.nginx.conf).
    IMPORT_MAX_BYTES = 32 * 1024 * 1024
    # Ideas one participant may post per minute.
    IDEA_RATE_PER_MINUTE = 12
    # Failed join-code look-ups allowed per client address (a right code never counts).
    # Sized with the code length: see views/participant.py and the README.
    JOIN_GUESS_LIMIT = "100 per hour;400 per day"
    # Join forms (participants created) allowed per client address: a venue's 400 phones
    # behind one address never reach it. See views/participant.py and the README.
    JOIN_CREATE_LIMIT = "40 per 10 seconds;1000 per hour;3000 per day"
    # Storage for rate-limit counters (Flask-Limiter URI): memory:// or redis://...
    # The socket commands' limits count there too, so redis:// shares them between workers.
    RATELIMIT_STORAGE_URI = "memory://"
    # Socket command limits per identity, over workshop/throttle.py's DEFAULT_LIMITS:
    # {"command": "N per second;M per minute"}; "*" for unlisted commands,
    # "facilitator:<command>" and "facilitator:*" for facilitator accounts.
    COMMAND_LIMITS: dict[str, str] = {}
    # Days a closed workshop keeps its personal data (pseudonyms, profiles, contact
    # details), unless the workshop sets its own; then `flask --app workshop purge`
    # erases them (docs/privacy.md).
    RETENTION_DAYS = 365
    # Time zone of the Excel exports (csv-excel, xlsx) and of the report's dates: an IANA
    # name. The JSON and the open-data CSV stay in UTC.
    TIMEZONE = "Europe/Paris"
    # Days a closed workshop keeps its event log (replays of missed facts).
    EVENT_LOG_DAYS = 7
    # How long a participant's phone keeps its identity, in days.
    PARTICIPANT_COOKIE_DAYS = 30
    # Days an invitation link to a workshop's team or to an account works (single use).
    INVITATION_DAYS = 7
    SESSION_COOKIE_SECURE = False
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_HTTPONLY = True
    # « Se souvenir de moi »: only when ticked; Secure as well on an HTTPS request.
    REMEMBER_COOKIE_NAME = "remember_token"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    # Wrong sign-in passwords allowed per account, and per client address.
    LOGIN_ACCOUNT_LIMIT = "5 per minute;20 per hour"
    LOGIN_ADDRESS_LIMIT = "20 per minute;100 per hour"
    # Strict-Transport-Security max-age in seconds, sent when > 0: set it (for example
    # 31536000) only when the site is served over HTTPS.
    HSTS_SECONDS = 0
    LANGUAGES = ["fr", "en"]
    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_TRANSLATION_DIRECTORIES = "translations"
    LOG_LEVEL = "INFO"
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, object] = {}
    WTF_CSRF_TIME_LIMIT = None
    # Email to the people kept informed of a project (services/mail.py). With no
    # MAIL_SERVER, mails are written to the server's log instead ("console").
    MAIL_SERVER: str | None = None
    # None: 465 with MAIL_USE_SSL, 587 with MAIL_USE_TLS, else 25.
    MAIL_PORT: int | None = None
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_USE_TLS = False  # STARTTLS after connecting
    MAIL_USE_SSL = False  # TLS from the start (port 465)
    MAIL_FROM = "Semis <semis@localhost>"
    # "smtp" or "console"; None: "smtp" when MAIL_SERVER is set, else "console".
    MAIL_BACKEND: str | None = None
    # Seconds to wait for the SMTP server.
    MAIL_TIMEOUT = 30
    # The worker: a background task of the server process sending the outbox every
    # MAIL_WORKER_INTERVAL seconds (false: only `flask --app workshop mail send` sends).
    MAIL_WORKER = True
    MAIL_WORKER_INTERVAL = 15
    # Mails sent per pass; a failed one is tried again after these delays (seconds),
    # and given up after MAIL_MAX_ATTEMPTS attempts.
    MAIL_BATCH = 50
    MAIL_RETRY_DELAYS = [60, 300, 1800, 7200, 21600]
    MAIL_MAX_ATTEMPTS = 6
    # A change waits this long before followers are told, so that a quick correction
    # (a stage set by mistake, then put back) makes one mail, not two.
    MAIL_NEWS_DELAY_SECONDS = 60
    # Changes older than this are never mailed (a worker stopped for weeks, or the
    # history a Fabrique had before email was set up).
    MAIL_NEWS_MAX_AGE_DAYS = 7
    # Days a sent mail is kept in the outbox (what was sent to whom), then deleted.
    MAIL_KEEP_DAYS = 90
    # The Fabrique's public pages (README « After the evening »): applications to its call
    # for holders and postings to its idea boxes allowed per client address, and a
    # committee member's grade saves per address.
    CALL_APPLY_LIMIT = "10 per 10 minutes;30 per day"
    IDEA_BOX_POST_LIMIT = "10 per minute;60 per hour;300 per day"
    COMMITTEE_GRADING_LIMIT = "120 per hour"
    # How often (seconds) a committee's or a jury's deliberation page fetches the new
    # grades and comments while it is open (at least 2).
    RESULTS_REFRESH_SECONDS = 15
    # Cohorts: a cycle's jurors' grade saves, and « Mon projet » writes, per address.
    JURY_GRADING_LIMIT = "120 per hour"
    MY_PROJECT_WRITE_LIMIT = "300 per hour"
    # Days a candidate to a call for holders is kept after their last change, then
    # `flask --app workshop purge` deletes them with their contact details.
    CANDIDATE_RETENTION_DAYS = 365


class TestConfig(Config):
    """In-memory database, threading mode, synchronous broadcasts."""

    TESTING = True
    ENV = "testing"
    SECRET_KEY = "test-secret"  # noqa: S105 - a fixed key is the point of a test config
    DATABASE_URL = "sqlite://"
    ASYNC_MODE = "threading"
    BROADCAST_WINDOW_MS = 0
    PRESENCE_INTERVAL_MS = 0
    SNAPSHOT_CACHE_MS = 0  # tests write rows directly; tests/services/test_snapshot_cache.py
    TABLES_SUMMARY_INTERVAL_MS = 0
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = True
    SERVER_NAME = "localhost"
    # Tests call the mail drain themselves (or start the worker explicitly).
    MAIL_WORKER = False
    MAIL_NEWS_DELAY_SECONDS = 0
