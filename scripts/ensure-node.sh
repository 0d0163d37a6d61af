#!/bin/sh
# Makes sure Node.js (18 or later) is installed: tests run graphql-js and
# Citation.js from testdata/node (committed with node_modules, so no npm
# install). Installs Debian's nodejs package when it can (root with
# apt-get); otherwise says in one line what to install.
set -eu
if command -v node >/dev/null 2>&1; then
	exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "Installing Debian's nodejs package (tests run graphql-js and Citation.js)..." >&2
	apt-get update -qq >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs >&2
else
	echo "Node.js not found: install Debian's nodejs package (sudo apt-get install nodejs); tests run graphql-js and Citation.js with it." >&2
	exit 1
fi
