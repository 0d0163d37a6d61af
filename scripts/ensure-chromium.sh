#!/bin/sh
# Makes sure a headless Chromium is installed for the browser tests of the
# pages (internal/web). Installs Debian's chromium package when it can (root
# with apt-get); otherwise says in one line what to install or to set
# HUB_CHROMIUM to a Chromium or Chrome binary. The browser tests fail with
# the same hint when no browser is found: they never skip.
set -eu

have_browser() {
	[ -n "${HUB_CHROMIUM:-}" ] && [ -x "${HUB_CHROMIUM}" ] && return 0
	command -v chromium >/dev/null 2>&1 && return 0
	command -v chromium-browser >/dev/null 2>&1 && return 0
	command -v google-chrome >/dev/null 2>&1
}

if ! have_browser; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "Installing Debian's chromium package (headless browser for the page tests)..." >&2
		apt-get update -qq >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >&2
	else
		echo "Chromium not found: install Debian's chromium package (sudo apt-get install chromium) or set HUB_CHROMIUM to a Chromium or Chrome binary; the page tests need a real browser." >&2
		exit 1
	fi
fi
