"""Errors of the catalogue: one clear line each, naming the catalogue they concern."""

from __future__ import annotations


class CatalogueError(Exception):
    """Something is wrong with a catalogue; the message is one line a curator can act on."""


class CatalogueTooNewError(CatalogueError):
    """The catalogue was written by a newer heritage_desk than this one."""


class CatalogueLockedError(CatalogueError):
    """Another program holds the catalogue's write lock longer than we wait."""


class CatalogueReadOnlyError(CatalogueError):
    """The catalogue's file or folder cannot be written: it opens for reading only."""


class CatalogueDamagedError(CatalogueError):
    """SQLite found damage in the file (an overwritten page): refused before anything is written."""

    @classmethod
    def of(cls, name: str, detail: str) -> CatalogueDamagedError:
        """The one line for a damaged catalogue: what SQLite said, and what to do."""
        err = cls(
            f"{name} is damaged ({detail}): nothing was written to it; run "
            f"`heritage-desk check {name}` to see the damage and the newest sound backup to "
            "restore from"
        )
        err.detail = detail
        return err

    #: What SQLite said ("database disk image is malformed", a quick_check line).
    detail = ""


class NotACatalogueError(CatalogueError):
    """The location holds something that is not a heritage_desk catalogue, or nothing."""


class AssetNotFoundError(CatalogueError, LookupError):
    """No asset with that id in the catalogue."""


class ConflictError(CatalogueError):
    """Someone else changed the value since this reviewer saw it (no lost update)."""
