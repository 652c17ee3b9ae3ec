"""The full list of an import's row errors, kept for an hour for the person who imported, as CSV.

A file with 100,000 bad rows used to put every error in the page (8.9 MB of HTML) or the API
answer. Both now show the first IMPORT_ERRORS_SHOWN with the total; the dashboard offers the
whole list as a download, kept compressed in the shared cache under a random token that only the
importing user can redeem. Nothing is re-posted and nothing is written to disk or the database.
"""

import csv
import io
import secrets
import zlib

from django.core.cache import cache
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

IMPORT_ERRORS_SHOWN = 50
_KEEP_SECONDS = 3600
_CACHE_ERRORS = (RedisError, OSError)  # what an unreachable cache server raises
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _key(user, token: str) -> str:
    return f"import-errors:{user.pk}:{token}"


def _cell(value) -> str:
    """A CSV cell that a spreadsheet shows as text: a leading = + - @ would make it a formula."""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def import_errors_csv(errors) -> bytes:
    """Row errors as CSV in UTF-8 with a byte-order mark, so Excel opens the Chinese correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Line"), _("Column"), _("Problem")])
    writer.writerows([e.line, _cell(e.column), _cell(e.message)] for e in errors)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def import_errors_keep(user, errors) -> str | None:
    """Keep the errors for `user` for an hour; the token to fetch them, or None when the cache is
    unreachable (the page then shows only the first errors)."""
    token = secrets.token_urlsafe(16)
    try:
        cache.set(_key(user, token), zlib.compress(import_errors_csv(errors)), _KEEP_SECONDS)
    except _CACHE_ERRORS:
        return None
    return token


def import_errors_fetch(user, token: str) -> bytes | None:
    """The CSV kept under `token` for this user, or None (unknown, expired or someone else's)."""
    if not token or len(token) > 64:
        return None
    try:
        kept = cache.get(_key(user, token))
    except _CACHE_ERRORS:
        return None
    return zlib.decompress(kept) if kept else None
