#!/usr/bin/env bash
# Installs the Debian packages the end-to-end tests use: tinyproxy (the real forward proxy of the
# proxy test), redis-server and postgresql (queue mode, npm run test:queue; started by the test
# itself, the package's own service is not used), and Chromium with fonts for the browser test of
# the editor (e2e/browser.js, driven by playwright-core, which downloads no browser; the fonts also
# draw the simulator's captions). ffmpeg/ffprobe need no system package: when the system has none,
# the npm packages @ffmpeg-installer/ffmpeg and @ffprobe-installer/ffprobe ship them
# (devDependencies), and the demo's voice-over is a committed sample (e2e/assets/).
# Does nothing when they are already there.
set -euo pipefail
need=()
command -v tinyproxy >/dev/null 2>&1 || need+=(tinyproxy)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need+=(postgresql)
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
