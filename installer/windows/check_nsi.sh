#!/usr/bin/env bash
# Compile heritage-desk.nsi with makensis (Debian package `nsis`) against a stand-in bundle, to
# catch script errors without a Windows build. Writes build/nsis/heritage-desk-VERSION-setup.exe.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
command -v makensis >/dev/null || { echo "check_nsi: makensis missing (apt-get install nsis)" >&2; exit 1; }
FAKE="$ROOT/build/nsis/bundle"
rm -rf "$ROOT/build/nsis"
mkdir -p "$FAKE/_internal/resources"
printf 'MZ stand-in\n' >"$FAKE/heritage-desk.exe"
printf 'stand-in\n' >"$FAKE/_internal/resources/README.txt"
VERSION="$(sed -n 's/^__version__ = "\(.*\)"/\1/p' "$ROOT/heritage_desk/__init__.py")"
cd "$ROOT/installer/windows"
makensis -V2 -WX "-DVERSION=$VERSION" "-DBUNDLE_DIR=$FAKE" "-DOUT_DIR=$ROOT/build/nsis" heritage-desk.nsi
ls -l "$ROOT/build/nsis/"*.exe
