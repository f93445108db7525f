#!/usr/bin/env bash
# Build the Linux one-folder bundle (dist/heritage-desk/) and a .deb made from it (dist/*.deb).
#
#   bash installer/build_linux.sh            # what `make installer` runs
#
# Environment (all optional):
#   HERITAGE_BUNDLE_CUDA    auto | 1 | 0: ship the GPU libraries or not (see heritage_desk.spec);
#                           auto = 1 when this machine has an NVIDIA GPU
#   HERITAGE_TORCH          auto | cpu | venv: where torch comes from.  cpu: a build venv
#                           (build/venv-cpu) with a CPU-only torch wheel, ~1 GB bundle; venv: the
#                           python below as it is (a CUDA wheel there makes a 3-5 GB bundle).
#                           auto = cpu when the bundle is CPU-only, falling back to venv with a
#                           warning when no CPU wheel can be installed.
#   HERITAGE_TORCH_CPU_PIP  pip arguments that install CPU torch + torchvision (default: a local
#                           torch-*+cpu wheel from pip's find-links if there is one, else
#                           "--extra-index-url https://download.pytorch.org/whl/cpu torch torchvision")
#   HERITAGE_BUILD_PYTHON   python with the app's dependencies (default .venv/bin/python)
#   HERITAGE_DEB_COMPRESS   zstd (default; dpkg >= 1.21.18) | xz (smallest, ~25x slower) | gzip | none
#   HERITAGE_DEB_LEVEL      compression level (default 9 for zstd, 6 for xz, 9 for gzip)
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

# 0. Which torch goes in: the CUDA wheel of .venv makes a 3+ GB bundle even without its GPU
#    libraries (libtorch_cuda and the CUDA libraries it links load with `import torch`), so a
#    CPU-only bundle is built from a CPU torch wheel in a venv of its own.
case "${HERITAGE_BUNDLE_CUDA:-auto}" in
    1 | yes | true | on) WANT_CUDA=1 ;;
    0 | no | false | off) WANT_CUDA=0 ;;
    *) if [ -n "$(ls /proc/driver/nvidia/gpus 2>/dev/null)" ] || nvidia-smi -L >/dev/null 2>&1; then
        WANT_CUDA=1; else WANT_CUDA=0; fi ;;
esac
export HERITAGE_BUNDLE_CUDA="$WANT_CUDA"
TORCH_MODE="${HERITAGE_TORCH:-auto}"
if [ "$TORCH_MODE" = auto ]; then
    if [ "$WANT_CUDA" = 1 ]; then TORCH_MODE=venv; else TORCH_MODE=cpu-or-venv; fi
fi

cpu_venv() {  # build/venv-cpu: same python as $PY, CPU torch, the app (editable), pyinstaller
    local venv="$ROOT/build/venv-cpu" base pip_args findlinks wheel tv stamp
    base="$("$PY" -c 'import sys; print(getattr(sys, "_base_executable", sys.executable))')"
    if [ -n "${HERITAGE_TORCH_CPU_PIP:-}" ]; then
        pip_args="$HERITAGE_TORCH_CPU_PIP"
    else
        findlinks="$("$PY" -m pip config get global.find-links 2>/dev/null || true)"
        wheel="$(ls "${findlinks:-/nonexistent}"/torch-*+cpu-*.whl 2>/dev/null | sort -V | tail -1)"
        if [ -n "$wheel" ]; then
            # torch 2.N pairs with torchvision 0.(N+15): 2.13 -> 0.28, 2.14 -> 0.29
            tv="$("$PY" -c 'import re, sys
print("0.%d.*" % (int(re.match(r"torch-2\.(\d+)\.", sys.argv[1])[1]) + 15))' "$(basename "$wheel")")"
            pip_args="$wheel torchvision==$tv"
        else
            pip_args="--extra-index-url https://download.pytorch.org/whl/cpu torch torchvision"
        fi
    fi
    stamp="$(printf '%s\n' "$base" "$pip_args" | cat - pyproject.toml installer/rthook_torchvision_ops.py | sha1sum | cut -c1-12)"
    if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.stamp" 2>/dev/null)" = "$stamp" ]; then
        echo "$venv/bin/python"; return 0
    fi
    log "CPU torch venv: pip install $pip_args" >&2
    rm -rf "$venv"
    "$base" -m venv "$venv" >&2 || return 1
    # shellcheck disable=SC2086  # pip_args is a list of words
    "$venv/bin/python" -m pip install -q $pip_args >&2 || return 1
    "$venv/bin/python" -m pip install -q -e . 'pyinstaller>=6.10,<7' >&2 || return 1
    "$venv/bin/python" -c 'import torch, sys; sys.exit(torch.version.cuda is not None)' || return 1
    # PyInstaller imports the app's packages while it analyses them: give the build venv the
    # same torchvision fix-up the bundle gets at run time (a no-op when torchvision's ops load).
    "$venv/bin/python" - "$ROOT/installer/rthook_torchvision_ops.py" <<'PTH' || return 1
import sys, sysconfig
from pathlib import Path
pth = Path(sysconfig.get_paths()["purelib"]) / "heritage_torchvision_ops.pth"
pth.write_text(f"import runpy; runpy.run_path({sys.argv[1]!r})\n")
PTH
    "$venv/bin/python" -c 'import torchvision.models' || return 1
    echo "$stamp" >"$venv/.stamp"
    echo "$venv/bin/python"
}

case "$TORCH_MODE" in
    venv) ;;
    cpu) PY="$(cpu_venv)" || { echo "build_linux: no CPU torch venv (HERITAGE_TORCH=cpu)" >&2; exit 1; } ;;
    cpu-or-venv)
        if CPU_PY="$(cpu_venv)"; then PY="$CPU_PY"; else
            log "WARNING: no CPU torch wheel could be installed; bundling $PY's torch as it is"
        fi ;;
    *) echo "HERITAGE_TORCH must be auto, cpu or venv" >&2; exit 2 ;;
esac
if ! "$PY" -c 'import PyInstaller' 2>/dev/null; then
    echo "build_linux: PyInstaller is missing from $PY." >&2
    echo "  install it with: $PY -m pip install -e '.[installer]'   (or: pip install 'pyinstaller>=6.10')" >&2
    exit 1
fi
log "python: $PY ($("$PY" -c 'import torch; print("torch", torch.__version__)'))"
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
if [ "${HERITAGE_SKIP_DEB:-0}" = 1 ]; then
    rm -f "$DIST/${NAME}_"*.deb  # an older .deb no longer matches the bundle
else
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
        zstd) LEVEL="${HERITAGE_DEB_LEVEL:-9}" ;;
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
    echo "# heritage_desk installer outputs, $(date -u +%Y-%m-%dT%H:%MZ), build took $(($(date +%s) - START)) s"
    echo "# $(tr -s '\n ' ' ' <"$BUNDLE/_internal/build_info.json" 2>/dev/null || true)"
    for path in "$BUNDLE" "$BUNDLE/_internal/torch" "$BUNDLE/_internal/nvidia" \
        "$BUNDLE/_internal/PySide6" "$BUNDLE/_internal/resources"; do
        if [ -e "$path" ]; then du -sh "$path" | sed "s|$ROOT/||"; fi
    done
    for deb in "$DIST"/*.deb; do
        if [ -f "$deb" ]; then echo "$(du -h --apparent-size "$deb" | cut -f1)	${deb#"$ROOT"/}"; fi
    done
} | tee "$DIST/installer-outputs.txt"
log "done"
