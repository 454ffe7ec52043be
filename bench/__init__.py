"""Load benchmarks of Semis against the real server: ``make bench`` (``python -m bench``).

Each scenario is a function in its own module, registered in :data:`bench.__main__.SCENARIOS`;
it drives the real ``run.py`` (see :mod:`bench.servers`) with simulated phones spread over
a few client processes (:mod:`bench.phones`), returns a dict of figures and the rows of its
table. The harness prints the tables and writes ``bench-results.json``. A benchmark never
fails because a goal is missed: it prints each goal and whether it was met. It exits
non-zero only when the run itself breaks (a server does not start, phones cannot connect,
acks are missing or refused).

Every client and server listens on or talks to 127.0.0.1 only; every wait is bounded.
"""
