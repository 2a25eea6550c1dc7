#!/usr/bin/env bash
# Installs the Debian packages the simulator's media work, the demo and the end-to-end tests
# use: ffmpeg/ffprobe (real encoding, probing), espeak-ng (the demo's voice-over), tinyproxy (the
# real forward proxy of the end-to-end proxy test), and for the queue-mode test (npm run test:queue)
# redis-server and postgresql (started by the test itself; the package's own service is not used).
# Does nothing when they are already there.
set -euo pipefail
need=()
command -v ffmpeg >/dev/null 2>&1 || need+=(ffmpeg)
command -v espeak-ng >/dev/null 2>&1 || need+=(espeak-ng)
command -v tinyproxy >/dev/null 2>&1 || need+=(tinyproxy)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need+=(postgresql)
if [ ${#need[@]} -eq 0 ]; then
	echo "system packages: already installed"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi
echo "system packages: installing ${need[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
