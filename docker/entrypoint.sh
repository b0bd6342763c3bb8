#!/bin/sh
# Container entrypoint: starts Kehu the way the installed systemd unit does — `node <release>/bin/kehu
# serve`, configured by KEHU_* environment variables (and KEHU_ENV_FILE, if given) — as PID 1 via
# exec, so `docker stop` (SIGTERM) lets in-flight requests finish.
#
#   docker run … kehu                     serve (the default)
#   docker run … kehu user:create …       any kehu command (also: docker exec <container> kehu …)
#   docker run … kehu sh                  anything that is not a kehu command runs as given
# Also linked as /usr/local/bin/kehu in the image: `docker exec <container> kehu backup`.
set -eu

self=$(readlink -f "$0")
APP=$(cd "$(dirname "$self")/.." && pwd -P)
NODE=${KEHU_NODE:-node}

if [ $# -eq 0 ]; then
  # As the entrypoint: serve. As the `kehu` command: its help.
  if [ "$(basename "$0")" = kehu ]; then set -- --help; else set -- serve; fi
fi

case "$1" in
  -*|help|serve|migrate|migrate:*|user:*|audit:*|backup|backup:*|restore|restore:*|license|license:*|status|jobs:*) ;;
  *)
    if command -v "$1" >/dev/null 2>&1; then exec "$@"; fi
    ;;
esac

if [ "$1" = serve ]; then
  data=${KEHU_DATA_DIR:-./data}
  mkdir -p "$data" 2>/dev/null || true
  if [ ! -w "$data" ]; then
    echo "kehu: the data directory $data is not writable by user $(id -un 2>/dev/null || id -u) (uid $(id -u)). On a bind mount: chown -R $(id -u):$(id -g) <host directory>, or use a named volume." >&2
    exit 1
  fi
fi

exec "$NODE" "$APP/bin/kehu" "$@"
