"""Clients that play a real one against a running Semis, shared by the benchmarks
(``bench/``) and the tests that start real servers (``tests/chaos``, ``tests/e2e``,
``tests/scaleout``).

- :mod:`testkit.phone`: the reference phone in Python, with the rules of the browser's
  own client (``static/js/sequencer.js`` and ``connection.js``): facts in ``seq`` order,
  stale and duplicate ones dropped, a fact ahead of a gap held 400 ms before a resync
  with ``last_seq``, the snapshot or replay of each join applied. The benchmark's phones
  measure with it and the durability tests check the database against it.
- :mod:`testkit.forms`: the join form and the login form, CSRF token included.

Why a package of its own at the top: the benchmark must not import the test suite, nor
the tests the benchmark, and both run from the repository's root (``python -m bench``;
pytest's ``pythonpath = ["."]``), where this package is importable. It is not in the
wheel (``[tool.setuptools] packages`` lists ``workshop`` only): it needs the test or
bench extras (python-socketio's asyncio client, aiohttp), never the server. The
process launcher that ``make stack`` also uses, with the runtime dependencies only, is
:mod:`scripts.launcher`.
"""
