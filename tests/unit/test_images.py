"""Image validation with Pillow, and paths that never leave the images folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from heritage_desk.core.digest import file_sha256
from heritage_desk.storage.images import (
    MAX_PIXELS,
    ImageProblem,
    UnsafePathError,
    inspect_image,
    iter_image_files,
    load_rgb,
    resolve_inside,
    safe_relative,
)
from tests.fixtures import broken


@pytest.mark.parametrize("name", sorted(broken.BROKEN_IMAGES))
def test_broken_images_fail_with_one_line(tmp_path: Path, name: str) -> None:
    make, reason = broken.BROKEN_IMAGES[name]
    path = make(tmp_path / name)
    with pytest.raises(ImageProblem) as info:
        inspect_image(path)
    message = str(info.value)
    assert "\n" not in message
    assert reason in message or (reason == "corrupt" and "not an image" in message)


def test_bomb_below_pillows_hard_limit_is_refused_too(tmp_path: Path) -> None:
    side = int((MAX_PIXELS * 1.5) ** 0.5)  # Pillow only warns here; we refuse
    path = broken.bomb(tmp_path / "warn.png", side, side)
    with pytest.raises(ImageProblem, match="too large"):
        inspect_image(path)


@pytest.mark.parametrize("name", sorted(broken.ODD_IMAGES))
def test_odd_images_are_valid_with_a_note(tmp_path: Path, name: str) -> None:
    make, note = broken.ODD_IMAGES[name]
    facts = inspect_image(make(tmp_path / name))
    assert any(note in n for n in facts.notes)
    assert facts.checksum == file_sha256(facts.path)
    img = load_rgb(facts.path)
    assert img.mode == "RGB" and img.size == (facts.width, facts.height)


def test_exif_rotation_reports_the_displayed_size(tmp_path: Path) -> None:
    facts = inspect_image(broken.exif_rotated(tmp_path / "r.jpg", size=(60, 20)))
    assert (facts.width, facts.height) == (20, 60)


def test_sixteen_bit_is_scaled_not_clipped(tmp_path: Path) -> None:
    img = load_rgb(broken.sixteen_bit(tmp_path / "d.png"))
    assert img.getpixel((0, 0)) == (0, 0, 0)
    assert 150 < img.getpixel((1, 1))[0] < 255  # 40000/65535 of white


@pytest.mark.parametrize(
    ("text", "clean"),
    [("a.jpg", "a.jpg"), ("sub/a.jpg", "sub/a.jpg"), ("./sub//a.jpg", "sub/a.jpg"),
     ("sub\\a.jpg", "sub/a.jpg")],
)  # fmt: skip
def test_safe_relative(text: str, clean: str) -> None:
    assert safe_relative(text) == clean


@pytest.mark.parametrize(
    "text", ["../a.jpg", "sub/../../a.jpg", "/etc/passwd", "C:\\x\\a.jpg", "c:/a.jpg", "", ".."]
)
def test_unsafe_paths(text: str) -> None:
    with pytest.raises(UnsafePathError):
        safe_relative(text)


def test_symlinks_out_of_the_folder_are_refused(tmp_path: Path) -> None:
    root, outside = tmp_path / "images", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    broken.good_jpeg(outside / "secret.jpg")
    broken.good_jpeg(root / "ok.jpg")
    broken.good_jpeg(root / "sub" / "inner.jpg")
    os.symlink(outside / "secret.jpg", root / "escape.jpg")
    os.symlink(outside, root / "linked_dir")
    os.symlink(root / "ok.jpg", root / "alias.jpg")  # inside: allowed
    (root / "notes.txt").write_text("x")
    with pytest.raises(UnsafePathError, match="outside"):
        resolve_inside(root, "escape.jpg")
    assert resolve_inside(root, "sub/inner.jpg") == (root / "sub" / "inner.jpg").resolve()
    found = {rel: (real is not None, reason) for rel, real, reason in iter_image_files(root)}
    assert found["ok.jpg"] == (True, "")
    assert found["alias.jpg"] == (True, "")
    assert found["sub/inner.jpg"] == (True, "")
    assert found["escape.jpg"][0] is False and "outside" in found["escape.jpg"][1]
    assert found["linked_dir"][0] is False
    assert "notes.txt" not in found
