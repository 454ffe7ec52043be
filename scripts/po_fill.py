"""Refresh the message catalogues and fill French translations from a JSON file.

Usage: python scripts/po_fill.py [TRANSLATIONS.json]

The JSON maps an English msgid to its French msgstr; for plural messages the value is a
list of the French forms. The script extracts the messages from the code, merges them
into every catalogue, fills the given translations, clears their fuzzy flag and compiles.
It holds a lock so that several people (or agents) working in one checkout never
overwrite each other's catalogue edits.
"""

from __future__ import annotations

import fcntl
import json
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PYBABEL = str(Path(sys.executable).with_name("pybabel"))
CATALOGUE = ROOT / "translations" / "fr" / "LC_MESSAGES" / "messages.po"
LOCK = ROOT / "translations" / ".lock"


def run(*args: str) -> None:
    subprocess.run([PYBABEL, *args], cwd=ROOT, check=True, capture_output=True)  # noqa: S603


def main(argv: list[str]) -> int:
    wanted: dict[str, str | list[str]] = {}
    if argv:
        wanted = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    with LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        run(
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "plural_forms:1,2",
            "-o",
            "translations/messages.pot",
            ".",
        )
        run("update", "-i", "translations/messages.pot", "-d", "translations")
        with CATALOGUE.open("rb") as handle:
            catalogue = read_po(handle, locale="fr")
        unknown = []
        for msgid, msgstr in wanted.items():
            key = msgid
            message = catalogue.get(key)
            if message is None:
                # Plural entries are keyed by their singular form.
                unknown.append(msgid)
                continue
            message.string = tuple(msgstr) if isinstance(msgstr, list) else msgstr
            message.flags.discard("fuzzy")
        with CATALOGUE.open("wb") as handle:
            write_po(handle, catalogue, width=76)
        run("compile", "-d", "translations")
    missing = [
        m.id
        for m in catalogue
        if m.id and not m.string or (isinstance(m.string, tuple) and not all(m.string))
    ]
    for msgid in unknown:
        print(f"not in the code (extract found no such msgid): {msgid!r}", file=sys.stderr)
    print(f"{len(wanted) - len(unknown)} filled; {len(missing)} untranslated in the catalogue")
    for msgid in missing[:20]:
        print(f"  untranslated: {msgid!r}")
    return 1 if unknown else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
