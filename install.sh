#!/usr/bin/env bash
# Installs Kehu on a Debian/Ubuntu server from a release archive (npm run release builds one):
#
#   sudo ./install.sh [options] [kehu-<version>-linux-x64-node20.tar.gz]
#
# Without an archive argument it takes the one next to this script (or the unpacked release this
# script sits in). Running it again upgrades in place: the new version goes into its own directory
# under <prefix>/releases, `current` switches to it in one step, the previous version stays for
# a rollback; configuration and data are kept.
#
#   --prefix DIR       program files (default /opt/kehu)
#   --data-dir DIR     data: SQLite database, attachments, backups (default /var/lib/kehu)
#   --config-dir DIR   configuration: kehu.env (default /etc/kehu)
#   --port N           port written into a new kehu.env (default 3000)
#   --base-url URL     address users open, written into a new kehu.env (default http://<host>:<port>)
#   --node PATH        the Node.js 20 binary to use (default: `node` on PATH)
#   --root DIR         install everything under DIR, runnable from there: no system user, no
#                      systemctl, the kehu command at DIR/<prefix>/bin/kehu (tests, trials)
#   --no-systemd       do not install or start the systemd unit
#   --rollback         switch back to the previous version (see docs/operations.md first)
#   --uninstall        remove the program and the unit; keep data and configuration
#   --purge            with --uninstall: also remove data and configuration
#   -h, --help         this text
set -euo pipefail
umask 022

PREFIX=/opt/kehu DATA_DIR=/var/lib/kehu CONFIG_DIR=/etc/kehu ROOT="" SYSTEMD=1 ACTION=install PURGE=0
PORT=3000 BASE_URL="" NODE="" SOURCE=""
SERVICE_USER=kehu
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"

say() { printf '%s\n' "$*"; }
die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'; }
need_arg() { [ $# -ge 2 ] && [ -n "$2" ] || die "$1 needs a value (see --help)"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) need_arg "$@"; PREFIX="$2"; shift 2 ;;
    --data-dir) need_arg "$@"; DATA_DIR="$2"; shift 2 ;;
    --config-dir) need_arg "$@"; CONFIG_DIR="$2"; shift 2 ;;
    --port) need_arg "$@"; PORT="$2"; shift 2 ;;
    --base-url) need_arg "$@"; BASE_URL="$2"; shift 2 ;;
    --node) need_arg "$@"; NODE="$2"; shift 2 ;;
    --root) need_arg "$@"; ROOT="$2"; shift 2 ;;
    --no-systemd) SYSTEMD=0; shift ;;
    --rollback) ACTION=rollback; shift ;;
    --uninstall) ACTION=uninstall; shift ;;
    --purge) PURGE=1; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) [ -z "$SOURCE" ] || die "one archive at a time ($SOURCE, $1)"; SOURCE="$1"; shift ;;
  esac
done
[ "$PURGE" = 0 ] || [ "$ACTION" = uninstall ] || die "--purge goes with --uninstall"
case "$PORT" in ''|*[!0-9]*) die "--port must be a number, not $PORT" ;; esac
for d in "$PREFIX" "$DATA_DIR" "$CONFIG_DIR"; do case "$d" in /*) ;; *) die "paths must be absolute: $d" ;; esac; done

if [ -n "$ROOT" ]; then
  mkdir -p "$ROOT" && ROOT="$(cd "$ROOT" && pwd -P)"
  # Self-contained under ROOT: every path the installation writes down points inside it.
  PREFIX="$ROOT$PREFIX" DATA_DIR="$ROOT$DATA_DIR" CONFIG_DIR="$ROOT$CONFIG_DIR"
  SERVICE_USER="$(id -un)"
  UNIT_DIR="$ROOT/etc/systemd/system"
  CALL_SYSTEMCTL=0
else
  [ "$(id -u)" = 0 ] || die "run as root (sudo), or use --root DIR for an installation without root"
  UNIT_DIR=/etc/systemd/system
  CALL_SYSTEMCTL=$SYSTEMD
  if [ "$SYSTEMD" = 1 ] && ! command -v systemctl >/dev/null 2>&1; then
    die "systemctl not found: this machine does not run systemd. Use --no-systemd and start Kehu yourself ($PREFIX/bin/kehu serve)."
  fi
fi
UNIT="$UNIT_DIR/kehu.service"
ENV_FILE="$CONFIG_DIR/kehu.env"
LAUNCHER="$PREFIX/bin/kehu"

systemctl_() { if [ "$CALL_SYSTEMCTL" = 1 ]; then systemctl "$@"; fi; }

# ---------------------------------------------------------------------------------------------
if [ "$ACTION" = uninstall ]; then
  if [ "$CALL_SYSTEMCTL" = 1 ] || { [ -z "$ROOT" ] && command -v systemctl >/dev/null 2>&1; }; then
    systemctl disable --now kehu.service >/dev/null 2>&1 || true
  fi
  if [ -e "$UNIT" ]; then
    rm -f "$UNIT"
    [ -n "$ROOT" ] || ! command -v systemctl >/dev/null 2>&1 || systemctl daemon-reload || true
  fi
  if [ -z "$ROOT" ] && [ "$(readlink /usr/local/bin/kehu 2>/dev/null)" = "$LAUNCHER" ]; then rm -f /usr/local/bin/kehu; fi
  rm -rf "$PREFIX"
  if [ "$PURGE" = 1 ]; then
    rm -rf "$DATA_DIR" "$CONFIG_DIR"
    say "Kehu removed, with its data ($DATA_DIR) and configuration ($CONFIG_DIR)."
    [ -n "$ROOT" ] || ! id kehu >/dev/null 2>&1 || say "The system user kehu is kept (remove it with: userdel kehu)."
  else
    say "Kehu removed. Data kept in $DATA_DIR, configuration in $CONFIG_DIR (--uninstall --purge removes them)."
  fi
  exit 0
fi

# ---------------------------------------------------------------------------------------------
if [ "$ACTION" = rollback ]; then
  [ -L "$PREFIX/previous" ] || die "no previous version recorded in $PREFIX (nothing to roll back to)"
  prev="$(readlink "$PREFIX/previous")" cur="$(readlink "$PREFIX/current")"
  [ -d "$PREFIX/$prev" ] || die "the previous version $PREFIX/$prev is gone"
  ln -sfn "$prev" "$PREFIX/.current.new" && mv -Tf "$PREFIX/.current.new" "$PREFIX/current"
  ln -sfn "$cur" "$PREFIX/.previous.new" && mv -Tf "$PREFIX/.previous.new" "$PREFIX/previous"
  systemctl_ restart kehu.service
  say "Kehu switched back from ${cur#releases/} to ${prev#releases/}."
  say "If the newer version had migrated the database, the older one refuses to start: restore the backup taken before the upgrade (docs/operations.md, \"Rollback\")."
  exit 0
fi

# ---------------------------------------------------------------------------------------------
# Install or upgrade. First: what to install.
if [ -z "$SOURCE" ]; then
  if [ -f "$HERE/RELEASE.json" ] && [ -d "$HERE/node_modules" ]; then
    SOURCE="$HERE"
  else
    shopt -s nullglob
    found=("$HERE"/kehu-*-linux-*-node*.tar.gz)
    shopt -u nullglob
    [ "${#found[@]}" -gt 0 ] || die "no release archive given and none next to this script (build one with: npm run release)"
    [ "${#found[@]}" -eq 1 ] || die "several release archives next to this script; name the one to install: ${found[*]##*/}"
    SOURCE="${found[0]}"
  fi
fi
[ -e "$SOURCE" ] || die "$SOURCE: no such file"
if [ -d "$SOURCE" ]; then
  release_json="$(cat "$SOURCE/RELEASE.json" 2>/dev/null)" || die "$SOURCE is not an unpacked Kehu release (no RELEASE.json)"
else
  top="$({ tar -tzf "$SOURCE" 2>/dev/null || true; } | head -1)"
  top="${top%%/*}"
  [ -n "$top" ] || die "$SOURCE is not a readable .tar.gz archive"
  case "$top" in kehu-*) ;; *) die "$SOURCE is not a Kehu release archive" ;; esac
  release_json="$(tar -xzOf "$SOURCE" "$top/RELEASE.json" 2>/dev/null)" || die "$SOURCE is not a Kehu release archive (no RELEASE.json)"
fi
field() { printf '%s' "$release_json" | tr -d '\n' | sed -n "s/.*\"$1\": *\"\{0,1\}\([^\",}]*\).*/\1/p"; }
VERSION="$(field version)" NODE_MAJOR="$(field nodeMajor)" PLATFORM="$(field platform)" BUILT="$(field builtAt)" COMMIT="$(field commit)"
[ -n "$VERSION" ] && [ -n "$NODE_MAJOR" ] || die "the release manifest of $SOURCE is unreadable"

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) here_platform=linux-x64 ;;
  Linux-aarch64) here_platform=linux-arm64 ;;
  *) here_platform="$(uname -s)-$(uname -m)" ;;
esac
[ "$PLATFORM" = "$here_platform" ] || die "this archive is built for $PLATFORM; this machine is $here_platform"

node_help() {
  cat >&2 <<EOF

Kehu $VERSION needs Node.js $NODE_MAJOR: its SQLite and password-hashing modules are compiled for
Node.js $NODE_MAJOR's ABI. $1
Debian 12 ships Node.js 18 (Ubuntu 22.04: 12, Ubuntu 24.04: 18). Install Node.js $NODE_MAJOR one of these ways, then run this installer again:

 a) NodeSource's Debian repository (security updates come with apt upgrade), as root:
      apt-get update && apt-get install -y ca-certificates curl gnupg
      mkdir -p /etc/apt/keyrings
      curl -fsSL https://deb.nodesource.com/gpgkey/nodesource-repo.gpg.key | gpg --dearmor -o /etc/apt/keyrings/nodesource.gpg
      echo "deb [signed-by=/etc/apt/keyrings/nodesource.gpg] https://deb.nodesource.com/node_$NODE_MAJOR.x nodistro main" > /etc/apt/sources.list.d/nodesource.list
      apt-get update && apt-get install -y nodejs
      node -v          # v$NODE_MAJOR.x

 b) The official binaries from nodejs.org (also for a server without internet: download on another
    machine, check the checksum there, copy the .tar.xz over), as root:
      cd /tmp
      curl -fsSLO https://nodejs.org/dist/latest-v$NODE_MAJOR.x/SHASUMS256.txt
      f=\$(grep -o 'node-v$NODE_MAJOR[.0-9]*-linux-x64.tar.xz' SHASUMS256.txt | head -1)
      curl -fsSLO "https://nodejs.org/dist/latest-v$NODE_MAJOR.x/\$f" && grep " \$f\$" SHASUMS256.txt | sha256sum -c -
      tar -xJf "\$f" -C /usr/local --strip-components=1 --no-same-owner
      /usr/local/bin/node -v    # v$NODE_MAJOR.x

    If another node stays first on PATH, name this one: ./install.sh --node /usr/local/bin/node …
EOF
  exit 1
}
if [ -z "$NODE" ]; then
  NODE="$(command -v node 2>/dev/null || true)"
  # Debian's node 18 may come first on root's PATH while Node 20 sits in /usr/local/bin.
  if [ -n "$NODE" ] && [ "$("$NODE" -p 'process.versions.node.split(".")[0]' 2>/dev/null)" != "$NODE_MAJOR" ] && [ -x /usr/local/bin/node ]; then
    NODE=/usr/local/bin/node
  fi
fi
[ -n "$NODE" ] || node_help "No node command was found."
[ -x "$NODE" ] || node_help "$NODE is not an executable."
have="$("$NODE" -p 'process.versions.node' 2>/dev/null)" || node_help "$NODE does not run."
[ "${have%%.*}" = "$NODE_MAJOR" ] || node_help "Found: Node.js $have ($NODE)."
NODE="$(cd "$(dirname "$NODE")" && pwd -P)/$(basename "$NODE")"

# The system user that runs the service and owns the data.
if [ -z "$ROOT" ] && ! id kehu >/dev/null 2>&1; then
  useradd --system --user-group --home-dir "$DATA_DIR" --no-create-home --shell /usr/sbin/nologin --comment "Kehu CRM" kehu
  say "Created the system user kehu."
fi

# Unpack the new version into its own directory; `current` switches only once it is complete.
stamp="$(printf '%s' "$BUILT" | tr -cd '0-9' | cut -c1-14)"
RELEASE_ID="$VERSION-${stamp:-0}"
mkdir -p "$PREFIX/releases" "$PREFIX/bin"
target="$PREFIX/releases/$RELEASE_ID"
if [ -d "$target" ] && [ -f "$target/RELEASE.json" ]; then
  say "Kehu $VERSION (built $BUILT) is already unpacked in $target; reusing it."
else
  incoming="$(mktemp -d "$PREFIX/releases/.incoming.XXXXXX")"
  trap 'rm -rf "$incoming"' EXIT
  if [ -d "$SOURCE" ]; then
    cp -a "$SOURCE/." "$incoming/"
  else
    tar -xzf "$SOURCE" -C "$incoming" --strip-components=1 --no-same-owner
  fi
  [ -f "$incoming/RELEASE.json" ] && [ -f "$incoming/bin/kehu" ] && [ -f "$incoming/dist/src/main.js" ] || die "$SOURCE is incomplete (no bin/kehu or dist/)"
  # The native modules must load with this node before anything switches over.
  "$NODE" -e '
    const app = process.argv[1];
    new (require(app + "/node_modules/better-sqlite3"))(":memory:").prepare("select 1").get();
    require(app + "/node_modules/@node-rs/argon2");
  ' "$incoming" || die "the native modules of $SOURCE do not load with $NODE ($have)"
  chmod -R u+rwX,go+rX,go-w "$incoming"
  rm -rf "$target"
  mv "$incoming" "$target"
  trap - EXIT
fi

# The kehu command of this installation: its node, its settings file; as root it runs as kehu, so
# files it creates in the data directory stay the service's.
tmp="$(mktemp "$PREFIX/bin/.kehu.XXXXXX")"
{
  printf '#!/bin/sh\n# The kehu command of this installation (written by install.sh, rewritten on every install).\n'
  printf 'KEHU_ENV_FILE="${KEHU_ENV_FILE:-%s}"\nexport KEHU_ENV_FILE\numask 077\n' "$ENV_FILE"
  if [ -z "$ROOT" ]; then
    printf 'if [ "$(id -u)" = 0 ]; then exec runuser -u %s -- "%s" "%s/current/bin/kehu" "$@"; fi\n' "$SERVICE_USER" "$NODE" "$PREFIX"
  fi
  printf 'exec "%s" "%s/current/bin/kehu" "$@"\n' "$NODE" "$PREFIX"
} > "$tmp"
chmod 755 "$tmp" && mv -f "$tmp" "$LAUNCHER"
[ -n "$ROOT" ] || ln -sfn "$LAUNCHER" /usr/local/bin/kehu

# Data: owner-only. Configuration: created once, never overwritten.
mkdir -p "$DATA_DIR" "$CONFIG_DIR"
chmod 700 "$DATA_DIR"
[ -n "$ROOT" ] || chown kehu:kehu "$DATA_DIR"
if [ -f "$ENV_FILE" ]; then
  say "Keeping the configuration in $ENV_FILE."
else
  if [ -z "$BASE_URL" ]; then
    host="$(hostname -f 2>/dev/null || hostname 2>/dev/null || echo localhost)"
    [ -n "$ROOT" ] && host=localhost
    BASE_URL="http://$host:$PORT"
  fi
  tmp="$(mktemp "$CONFIG_DIR/.kehu.env.XXXXXX")"
  cat > "$tmp" <<EOF
# Kehu settings, read by the kehu service and the kehu command: KEHU_<KEY>=value, one a line.
# Every setting is listed in $PREFIX/current/config/README.md. Written once by install.sh;
# upgrades never change this file. Restart after a change: systemctl restart kehu
KEHU_HOST=0.0.0.0
KEHU_PORT=$PORT
# The address users open (https://… turns on Secure cookies; see docs/operations.md, HTTPS).
KEHU_BASE_URL=$BASE_URL
KEHU_DATA_DIR=$DATA_DIR
# SQLite in the data directory unless this names a Postgres database:
# KEHU_DATABASE_URL=postgres://kehu:secret@127.0.0.1:5432/kehu
KEHU_LOG_LEVEL=info
# Behind nginx on this machine: KEHU_HOST=127.0.0.1 and KEHU_TRUST_PROXY=127.0.0.1
EOF
  if [ -z "$ROOT" ]; then
    chown root:kehu "$tmp" "$CONFIG_DIR"
    chmod 640 "$tmp"
    chmod 750 "$CONFIG_DIR"
  else
    chmod 600 "$tmp"
    chmod 700 "$CONFIG_DIR"
  fi
  mv "$tmp" "$ENV_FILE"
  say "Wrote the configuration $ENV_FILE."
fi

# The systemd unit: the same command as anyone's `kehu serve`, hardened.
if [ "$SYSTEMD" = 1 ]; then
  mkdir -p "$UNIT_DIR"
  tmp="$(mktemp "$UNIT_DIR/.kehu.service.XXXXXX")"
  cat > "$tmp" <<EOF
# Written by Kehu's install.sh (rewritten on every install; put local changes in a drop-in:
# systemctl edit kehu). Settings live in $ENV_FILE.
[Unit]
Description=Kehu CRM
Documentation=file:$PREFIX/current/docs/operations.md
After=network-online.target postgresql.service
Wants=network-online.target

[Service]
Type=simple
User=$SERVICE_USER
Group=$(id -gn "$SERVICE_USER" 2>/dev/null || echo "$SERVICE_USER")
Environment=NODE_ENV=production
Environment=KEHU_ENV_FILE=$ENV_FILE
WorkingDirectory=$DATA_DIR
ExecStart=$LAUNCHER serve
Restart=on-failure
RestartSec=5
KillSignal=SIGTERM
TimeoutStopSec=30
UMask=0077
LimitNOFILE=65536

# Hardening: read-only system, writable data directory only (a backup directory elsewhere, e.g.
# a NAS mount, needs a drop-in with ReadWritePaths=<dir>).
NoNewPrivileges=true
ProtectSystem=strict
ReadWritePaths=$DATA_DIR
ProtectHome=true
PrivateTmp=true
PrivateDevices=true
ProtectKernelTunables=true
ProtectKernelModules=true
ProtectKernelLogs=true
ProtectControlGroups=true
ProtectClock=true
ProtectHostname=true
RestrictNamespaces=true
RestrictRealtime=true
RestrictSUIDSGID=true
LockPersonality=true
RemoveIPC=true
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
SystemCallArchitectures=native
# Only what a port below 1024 (KEHU_PORT=443 with KEHU_TLS_*) needs. No MemoryDenyWriteExecute:
# V8's JIT needs it off.
CapabilityBoundingSet=CAP_NET_BIND_SERVICE
AmbientCapabilities=CAP_NET_BIND_SERVICE

[Install]
WantedBy=multi-user.target
EOF
  chmod 644 "$tmp" && mv -f "$tmp" "$UNIT"
fi

# Switch: `current` to the new version in one rename, `previous` to the one it replaces.
old="$(readlink "$PREFIX/current" 2>/dev/null || true)"
new="releases/$RELEASE_ID"
if [ "$old" != "$new" ]; then
  ln -sfn "$new" "$PREFIX/.current.new" && mv -Tf "$PREFIX/.current.new" "$PREFIX/current"
  if [ -n "$old" ]; then ln -sfn "$old" "$PREFIX/.previous.new" && mv -Tf "$PREFIX/.previous.new" "$PREFIX/previous"; fi
fi
# Keep the current and the previous version; older ones go.
keep_prev="$(readlink "$PREFIX/previous" 2>/dev/null || true)"
for dir in "$PREFIX"/releases/*/; do
  rel="releases/$(basename "$dir")"
  [ "$rel" = "$new" ] || [ "$rel" = "$keep_prev" ] || rm -rf "$dir"
done

if [ "$SYSTEMD" = 1 ] && [ "$CALL_SYSTEMCTL" = 1 ]; then
  systemctl daemon-reload
  systemctl enable kehu.service >/dev/null 2>&1
  # Pending migrations run at start; the service answers /readyz once they are done.
  systemctl restart kehu.service
fi

url="$(sed -n 's/^KEHU_BASE_URL=//p' "$ENV_FILE" | tail -1 | tr -d "\"'")"
[ -n "$url" ] || url="http://localhost:$(sed -n 's/^KEHU_PORT=//p' "$ENV_FILE" | tail -1)"
say ""
if [ -n "$old" ] && [ "$old" != "$new" ]; then
  say "Kehu upgraded to $VERSION (${COMMIT:0:12}) in $PREFIX/current; the previous version stays in $PREFIX/$old (install.sh --rollback)."
else
  say "Kehu $VERSION (${COMMIT:0:12}) is installed in $PREFIX/current."
fi
say "Data: $DATA_DIR   Settings: $ENV_FILE   Command: $([ -n "$ROOT" ] && echo "$LAUNCHER" || echo kehu)"
if [ "$SYSTEMD" = 1 ] && [ "$CALL_SYSTEMCTL" = 1 ]; then
  say "It runs as the systemd service kehu (systemctl status kehu, journalctl -u kehu)."
elif [ -n "$ROOT" ]; then
  say "Start it with: $LAUNCHER serve"
else
  say "Start it with: sudo -u $SERVICE_USER $LAUNCHER serve   (or without --no-systemd, as a service)"
fi
say "Open $url — a new installation starts with the setup page (company and first administrator)."
