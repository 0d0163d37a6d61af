#!/bin/sh
# Makes sure PostgreSQL's server binaries (initdb, pg_ctl, postgres) are
# installed for the embedded cluster and the test cluster. Installs Debian's
# postgresql package when it can (root with apt-get); otherwise says in one
# line what to do. Nothing is needed when DATABASE_URL is set for `make run`.
set -eu

have_binaries() {
	[ -n "${HUB_PG_BINDIR:-}" ] && [ -x "${HUB_PG_BINDIR}/pg_ctl" ] && return 0
	command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1 && return 0
	ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1
}

if [ "${1:-}" = "run" ] && [ -n "${DATABASE_URL:-}" ]; then
	exit 0
fi

if ! have_binaries; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "Installing Debian's postgresql package (server binaries for the embedded cluster)..." >&2
		apt-get update -qq >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
	else
		echo "PostgreSQL server binaries not found: install Debian's postgresql package (sudo apt-get install postgresql), set HUB_PG_BINDIR, or set DATABASE_URL to an existing server." >&2
		exit 1
	fi
fi

# As root, PostgreSQL runs as an unprivileged user; Debian's package makes
# "postgres", but binaries from elsewhere may come without it.
if [ "$(id -u)" = 0 ] && ! id "${HUB_PG_USER:-postgres}" >/dev/null 2>&1; then
	echo "Creating the unprivileged system user ${HUB_PG_USER:-postgres} to run PostgreSQL..." >&2
	useradd --system --no-create-home --shell /usr/sbin/nologin "${HUB_PG_USER:-postgres}"
fi
