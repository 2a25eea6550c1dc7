#!/usr/bin/env bash
# Installs the Debian packages the browser test of the editor uses (e2e/browser.js): Chromium,
# driven by playwright-core (which downloads no browser), and fonts, so the editor's text (and
# the simulator's captions) are drawn. ffmpeg/ffprobe need no system package: when the system
# has none, the npm packages @ffmpeg-installer/ffmpeg and @ffprobe-installer/ffprobe ship them
# (devDependencies), and the demo's voice-over is a committed sample (e2e/assets/).
# Does nothing when they are already there.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
for pkg in fonts-dejavu-core fonts-liberation; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need+=("$pkg")
done
if [ ${#need[@]} -eq 0 ]; then
	echo "system packages: already installed"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi
echo "system packages: installing ${need[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
