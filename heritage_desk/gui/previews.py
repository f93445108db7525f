"""Large images for the image views: the preview when decoded, the thumbnail meanwhile."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject

from heritage_desk.gui.collection_model import THUMB
from heritage_desk.gui.image_view import ImageView
from heritage_desk.workers.thumbnails import ThumbnailLoader

#: Long edge of the detail image (the disk cache makes it once per asset).
PREVIEW_SIZE = 1600


class Previews(QObject):
    """Puts an image in a view; the full preview replaces the blurry start when it is decoded.

    Decoding runs on the loaders' threads; each view shows the image it was last asked for.
    """

    def __init__(
        self, previews: ThumbnailLoader, thumbnails: ThumbnailLoader, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.previews = previews
        self.thumbnails = thumbnails
        self._wanted: dict[ImageView, tuple[str, Callable[[], None] | None]] = {}
        previews.ready.connect(self._on_ready)
        previews.failed.connect(self._on_failed)

    def show(
        self,
        view: ImageView,
        path: str,
        checksum: str | None,
        after: Callable[[], None] | None = None,
    ) -> None:
        """Show `path` in `view`; `after()` runs each time a pixmap of it is put there."""
        key = ThumbnailLoader.key(checksum, path, PREVIEW_SIZE)
        self._wanted[view] = (key, after)
        pm = self.previews.pixmap(path, checksum, PREVIEW_SIZE)
        if pm is None:
            pm = self.thumbnails.pixmap(path, checksum, THUMB)  # a blurry start beats none
            err = self.previews.error(path, checksum, PREVIEW_SIZE)
            view.set_pixmap(pm, err or "Loading image…")
        else:
            view.set_pixmap(pm)
        if after is not None and view.has_image():
            after()

    def prefetch(self, path: str, checksum: str | None) -> None:
        """Have a preview decoded before it is shown (the next evidence work)."""
        self.previews.pixmap(path, checksum, PREVIEW_SIZE)

    def clear(self, view: ImageView, message: str) -> None:
        """Show no image in `view`, only `message`."""
        self._wanted.pop(view, None)
        view.set_pixmap(None, message)

    def wanted(self, view: ImageView) -> str | None:
        """The key of the image `view` shows or waits for."""
        got = self._wanted.get(view)
        return got[0] if got else None

    def _on_ready(self, key: str) -> None:
        for view, (k, after) in list(self._wanted.items()):
            if k == key:
                view.set_pixmap(self.previews.cached(key))
                if after is not None:
                    after()

    def _on_failed(self, key: str, err: str) -> None:
        for view, (k, _after) in list(self._wanted.items()):
            if k == key and not view.has_image():
                view.set_pixmap(None, f"Cannot show this image: {err}")
