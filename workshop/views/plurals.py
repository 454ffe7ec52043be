"""Plural messages for the browser scripts: both forms, the browser picks one."""

from __future__ import annotations

from flask_babel import get_translations


def plural_forms(singular: str, plural: str) -> dict[str, str]:
    """Both forms of a plural message, unformatted: the browser picks one and fills in
    ``%(count)s`` (see i18n.js). Extracted by pybabel as ``-k plural_forms:1,2``."""
    translations = get_translations()
    return {
        "one": str(translations.ngettext(singular, plural, 1)),
        "other": str(translations.ngettext(singular, plural, 2)),
    }
