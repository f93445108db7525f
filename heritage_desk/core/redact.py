"""Passwords never leave the process: masked in any text, in every log record, log files 0600.

A PostgreSQL URL may carry its password (`postgresql+psycopg://user:secret@host/db`). The app
shows and records catalogue locations in many places (logs, the window title, the recent
list, error messages); everything that may hold a location goes through `redact`, and the
log handlers carry a `RedactingFilter`, so a place someone forgets is still covered.
Better still, keep the password out of the URL: libpq reads PGPASSWORD and ~/.pgpass
(or PGPASSFILE), so `postgresql+psycopg://user@host/db` is enough (README, team section).
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import re
from typing import Any

MASK = "***"
#: scheme://user:password@ - the password part, up to the last "@" before the host.
_URL_PASSWORD = re.compile(
    r"(?P<head>\b[a-z][a-z0-9+.\-]*://[^:/@\s]*:)(?P<pw>[^\s]*?)(?=@[^@\s]*)"
)
#: key=value connection strings (libpq DSN) and query parameters: password=...
_KV_PASSWORD = re.compile(r"(?P<head>\bpassword\s*=\s*)(?P<pw>'[^']*'|\"[^\"]*\"|[^\s&;]+)", re.I)


def redact(text: str) -> str:
    """`text` with every URL or DSN password replaced by ***."""
    if "://" not in text and "password" not in text.lower():
        return text
    text = _URL_PASSWORD.sub(lambda m: m.group("head") + MASK, text)
    return _KV_PASSWORD.sub(lambda m: m.group("head") + MASK, text)


class RedactingFilter(logging.Filter):
    """Masks passwords in a record's final message (its arguments and exception included)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to the formatter to complain
            return True
        record.msg, record.args = redact(message), ()
        if record.exc_info and record.exc_info[1] is not None:
            # Formatted once here, masked, and cached where the formatter looks for it.
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log file readable by its owner only (0600), rotated files too."""

    def __init__(self, filename: str | os.PathLike[str], **kwargs: Any) -> None:
        fd = os.open(filename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.close(fd)
        os.chmod(filename, 0o600)  # a file made 0644 by an older version
        super().__init__(filename, **kwargs)
        self.addFilter(RedactingFilter())

    def _open(self) -> Any:
        stream = super()._open()
        os.chmod(self.baseFilename, 0o600)
        return stream


def redact_handlers(root: logging.Logger | None = None) -> None:
    """Put a RedactingFilter on every handler of `root` (stderr ones included)."""
    for h in (root or logging.getLogger()).handlers:
        if not any(isinstance(f, RedactingFilter) for f in h.filters):
            h.addFilter(RedactingFilter())


def without_password(location: str) -> str:
    """`location` with any password removed (not masked): safe to store and still reopenable.

    A URL kept in the recent list or in settings reopens with the password from PGPASSWORD
    or a .pgpass file; "***" in its place would be taken for the password itself.
    """
    text = _URL_PASSWORD.sub(lambda m: m.group("head")[:-1], location)
    return _KV_PASSWORD.sub("", text).strip()


def with_password(url: str, password: str) -> str:
    """A URL `scheme://user@host/db` with `password` put in (kept in memory only, never stored)."""
    from urllib.parse import quote

    if not password or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    auth, sep, host = rest.rpartition("@")
    if not sep:
        return url
    user = auth.split(":", 1)[0]
    return f"{scheme}://{user}:{quote(password, safe='')}@{host}"
