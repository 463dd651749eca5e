#!/usr/bin/env bash
# Unpacks Debian's dicom3tools (dciodvfy, the DICOM IOD checker seg_check.py runs) under tools/.dicom3tools/ without
# installing anything: apt-get download fetches the pinned package and dpkg -x unpacks it. Needs Debian or Ubuntu.
set -euo pipefail
VERSION="1.00~20220618093127-2"
DIR="$(cd "$(dirname "$0")/.." && pwd)/.dicom3tools"
if [ -x "$DIR/usr/bin/dciodvfy" ]; then
  exit 0
fi
mkdir -p "$DIR"
cd "$DIR"
apt-get download "dicom3tools=$VERSION"
dpkg -x dicom3tools_*.deb .
"$DIR/usr/bin/dciodvfy" 2>&1 | head -1 >/dev/null
echo "dciodvfy in $DIR/usr/bin"
