#!/bin/sh
# Installs Debian's Chromium for the end-to-end tests when it is missing
# (playwright-core never downloads a browser). CI runs as root with no stdin;
# elsewhere it uses sudo when available. CHROMIUM_PATH names another binary.
set -eu
bin="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$bin" ]; then
	exit 0
fi
if [ -n "${CHROMIUM_PATH:-}" ]; then
	echo "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable" >&2
	exit 1
fi
sudo=""
if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		sudo="sudo -n"
	else
		echo "Chromium is missing and this user cannot install it: run 'apt-get install chromium' as root" >&2
		exit 1
	fi
fi
echo "installing Debian's chromium (apt-get) for the end-to-end tests"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update </dev/null
$sudo apt-get install -y --no-install-recommends chromium </dev/null
test -x "$bin"
