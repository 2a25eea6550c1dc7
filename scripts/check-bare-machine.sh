#!/usr/bin/env bash
# "npm ci && npm test" and "npm run demo" on a fresh clone as on a machine with only Node and npm:
# the programs CI installs from Debian (tinyproxy, redis-server, chromium, postgresql) and ffmpeg,
# ffprobe and espeak-ng are made absent for this run only, in a private mount namespace (copies of
# /usr/bin and /usr/local/bin without them, mounted over the real ones). Needs root (unshare -m).
# Usage: sudo bash scripts/check-bare-machine.sh   (N8N_HOSTS_DIR reuses installed n8n hosts)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d /tmp/nemo-bare.XXXXXX)"
absent=(tinyproxy redis-server redis-cli redis-check-rdb redis-check-aof redis-benchmark chromium chromium-browser espeak-ng espeak ffmpeg ffprobe psql postgres pg_ctl initdb)
cp -a /usr/bin "$work/usrbin"
cp -a /usr/local/bin "$work/localbin"
for b in "${absent[@]}"; do rm -f "$work/usrbin/$b" "$work/localbin/$b"; done
git clone -q "$repo" "$work/clone"
unshare -m bash -euo pipefail -c '
	mount --bind "$0/usrbin" /usr/bin
	mount --bind "$0/localbin" /usr/local/bin
	for b in tinyproxy redis-server chromium ffmpeg ffprobe espeak-ng postgres psql; do
		if command -v "$b" >/dev/null; then echo "still present: $b"; exit 1; fi
	done
	echo "absent: tinyproxy redis-server chromium ffmpeg ffprobe espeak-ng postgres psql"
	cd "$0/clone"
	t=$SECONDS; npm ci --no-audit --no-fund >/dev/null; echo "npm ci: $((SECONDS - t)) s"
	t=$SECONDS; npm test 2>&1 | grep -E "^(Tests|Test Suites):"; echo "npm test: $((SECONDS - t)) s"
	t=$SECONDS; npm run demo 2>&1 | grep -E "output/.*\.mp4|^Done in"; echo "npm run demo: $((SECONDS - t)) s"
' "$work"
rm -rf "$work"
