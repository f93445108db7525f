#!/usr/bin/env bash
# Build the Linux one-folder bundle (dist/heritage-desk/) and a .deb made from it (dist/*.deb).
#
#   bash installer/build_linux.sh            # what `make installer` runs
#
# Environment (all optional):
#   HERITAGE_BUILD_PYTHON   python with the app's dependencies and pyinstaller (default .venv/bin/python)
#   HERITAGE_BUNDLE_CUDA    auto | 1 | 0: ship the GPU libraries or not (see heritage_desk.spec)
#   HERITAGE_DEB_COMPRESS   zstd (default: fast, dpkg >= 1.21.18) | xz (smallest, slow) | gzip | none
#   HERITAGE_DEB_LEVEL      compression level (default 19 for zstd, 6 for xz, 9 for gzip)
#   HERITAGE_SKIP_DEB=1     build the bundle only
# Outputs are listed with their sizes in dist/installer-outputs.txt.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${HERITAGE_BUILD_PYTHON:-$ROOT/.venv/bin/python}"
NAME=heritage-desk
DIST="$ROOT/dist"
WORK="$ROOT/build/pyinstaller"
START=$(date +%s)

log() { printf '[build_linux %3ds] %s\n' "$(($(date +%s) - START))" "$*"; }

if ! "$PY" -c 'import PyInstaller' 2>/dev/null; then
    echo "build_linux: PyInstaller is missing from $PY." >&2
    echo "  install it with: $PY -m pip install -e '.[installer]'   (or: pip install 'pyinstaller>=6.10')" >&2
    exit 1
fi
VERSION="$("$PY" -c 'import heritage_desk; print(heritage_desk.__version__)')"
ARCH="$(dpkg --print-architecture 2>/dev/null || echo amd64)"
export HERITAGE_BUILD_DATE="${HERITAGE_BUILD_DATE:-$(date -u +%Y-%m-%dT%H:%MZ)}"

# 1. Icons: the PNG sizes the desktop entry and NSIS use, rendered from the SVG.
log "icons"
QT_QPA_PLATFORM=offscreen "$PY" installer/make_icon.py

# 2. The bundle.
log "pyinstaller ($("$PY" -m PyInstaller --version)), python $PY"
"$PY" -m PyInstaller --noconfirm --log-level WARN \
    --distpath "$DIST" --workpath "$WORK" installer/heritage_desk.spec
BUNDLE="$DIST/$NAME"
test -x "$BUNDLE/$NAME"
log "bundle: $(du -sh "$BUNDLE" | cut -f1) in $BUNDLE"
"$BUNDLE/$NAME" --version

# 3. The .deb: /opt/heritage-desk (the bundle), /usr/bin/heritage-desk, desktop entry, icons.
if [ "${HERITAGE_SKIP_DEB:-0}" != 1 ]; then
    log "deb"
    STAGE="$ROOT/build/deb/${NAME}_${VERSION}_${ARCH}"
    rm -rf "$STAGE"
    mkdir -p "$STAGE/DEBIAN" "$STAGE/opt" "$STAGE/usr/bin" "$STAGE/usr/share/applications" \
        "$STAGE/usr/share/doc/$NAME" "$STAGE/usr/share/icons/hicolor/scalable/apps"
    # Hard links: the bundle is gigabytes and build/ sits on the same file system as dist/.
    cp -al "$BUNDLE" "$STAGE/opt/$NAME" 2>/dev/null || cp -a "$BUNDLE" "$STAGE/opt/$NAME"
    # Relative, so the program also starts from a `dpkg -x` folder.
    ln -s "../../opt/$NAME/$NAME" "$STAGE/usr/bin/$NAME"
    install -m 644 installer/linux/heritage-desk.desktop "$STAGE/usr/share/applications/"
    install -m 644 resources/icons/heritage-desk.svg "$STAGE/usr/share/icons/hicolor/scalable/apps/"
    for dir in build/icons/*x*; do
        size="$(basename "$dir")"
        mkdir -p "$STAGE/usr/share/icons/hicolor/$size/apps"
        install -m 644 "$dir/heritage-desk.png" "$STAGE/usr/share/icons/hicolor/$size/apps/"
    done
    install -m 644 installer/linux/copyright "$STAGE/usr/share/doc/$NAME/copyright"
    SIZE_KB="$(du -sk "$STAGE" | cut -f1)"
    sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$ARCH/" -e "s/@SIZE_KB@/$SIZE_KB/" \
        installer/linux/control.in >"$STAGE/DEBIAN/control"
    install -m 755 installer/linux/postinst installer/linux/postrm "$STAGE/DEBIAN/"

    COMPRESS="${HERITAGE_DEB_COMPRESS:-zstd}"
    case "$COMPRESS" in
        zstd) LEVEL="${HERITAGE_DEB_LEVEL:-19}" ;;
        xz) LEVEL="${HERITAGE_DEB_LEVEL:-6}" ;;
        gzip) LEVEL="${HERITAGE_DEB_LEVEL:-9}" ;;
        none) LEVEL=0 ;;
        *) echo "HERITAGE_DEB_COMPRESS must be zstd, xz, gzip or none" >&2; exit 2 ;;
    esac
    DEB="$DIST/${NAME}_${VERSION}_${ARCH}.deb"
    rm -f "$DIST/${NAME}_"*.deb
    dpkg-deb --root-owner-group -Z"$COMPRESS" -z"$LEVEL" --build "$STAGE" "$DEB"
    dpkg-deb --info "$DEB" | sed -n '/Package:/,/Description:/p'
fi

# 4. What was made, with sizes.
{
    echo "# heritage_desk installer outputs, $(date -u +%Y-%m-%dT%H:%MZ), $(($(date +%s) - START)) s"
    echo "# torch: $(tr -d '\n ' <"$BUNDLE/_internal/build_info.json" 2>/dev/null || true)"
    du -sh "$BUNDLE" "$BUNDLE/_internal/torch" "$BUNDLE/_internal/nvidia" "$BUNDLE/_internal/PySide6" \
        "$BUNDLE/_internal/resources" 2>/dev/null | sed "s|$ROOT/||"
    ls -l --block-size=M "$DIST"/*.deb 2>/dev/null | awk '{print $5 "\t" $NF}' | sed "s|$ROOT/||"
} | tee "$DIST/installer-outputs.txt"
log "done"
