#!/usr/bin/env bash
# Installs Kehu on a Debian/Ubuntu server from this directory (a built checkout: `npm ci` done).
# Idempotent: running it again upgrades the program in place and keeps config and data.
#   --prefix DIR      program files (default /opt/kehu)
#   --data-dir DIR    data (default /var/lib/kehu)
#   --config-dir DIR  configuration (default /etc/kehu)
#   --root DIR        install everything under DIR and create no system user (packaging, tests)
#   --no-systemd      do not install or start the systemd unit
#   --uninstall       remove the program and unit, keep data and config (add --purge to remove them)
set -euo pipefail

PREFIX=/opt/kehu DATA_DIR=/var/lib/kehu CONFIG_DIR=/etc/kehu ROOT="" SYSTEMD=1 UNINSTALL=0 PURGE=0
NODE_MAJOR=20
SRC="$(cd "$(dirname "$0")" && pwd)"

die() { echo "install.sh: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) PREFIX="$2"; shift 2 ;;
    --data-dir) DATA_DIR="$2"; shift 2 ;;
    --config-dir) CONFIG_DIR="$2"; shift 2 ;;
    --root) ROOT="$2"; shift 2 ;;
    --no-systemd) SYSTEMD=0; shift ;;
    --uninstall) UNINSTALL=1; shift ;;
    --purge) PURGE=1; shift ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done

P="$ROOT$PREFIX" D="$ROOT$DATA_DIR" C="$ROOT$CONFIG_DIR"
UNIT="$ROOT/etc/systemd/system/kehu.service"
[ -n "$ROOT" ] && SYSTEMD=0

if [ "$UNINSTALL" = 1 ]; then
  if [ "$SYSTEMD" = 1 ] && command -v systemctl >/dev/null; then systemctl disable --now kehu.service 2>/dev/null || true; fi
  rm -rf "$P" "$UNIT"
  if [ "$PURGE" = 1 ]; then rm -rf "$D" "$C"; echo "Kehu removed, with its data and configuration."; else echo "Kehu removed; data kept in $D, configuration in $C."; fi
  exit 0
fi

command -v node >/dev/null || die "Node.js $NODE_MAJOR is required. On Debian/Ubuntu: see https://github.com/nodesource/distributions (setup_$NODE_MAJOR.x), or install the official Node $NODE_MAJOR binaries under /usr/local."
have=$(node -p 'process.versions.node.split(".")[0]')
[ "$have" = "$NODE_MAJOR" ] || die "Node.js $NODE_MAJOR is required (found $(node -v)): the SQLite module is compiled for Node $NODE_MAJOR's ABI. Debian 12 ships Node 18; install Node $NODE_MAJOR from NodeSource (setup_$NODE_MAJOR.x) or the official binaries."
[ -f "$SRC/dist/src/main.js" ] && [ -d "$SRC/node_modules" ] || die "run 'npm ci' in $SRC first (this builds dist/ and installs node_modules/)"

if [ -z "$ROOT" ] && ! id kehu >/dev/null 2>&1; then
  useradd --system --home-dir "$DATA_DIR" --shell /usr/sbin/nologin kehu
fi

mkdir -p "$P" "$D" "$C"
# Program files are replaced as a whole; data and config are never touched.
tmp="$P.new"
rm -rf "$tmp" && mkdir -p "$tmp"
cp -a "$SRC"/{dist,node_modules,views,locales,public,migrations,config,bin,package.json,LICENSE} "$tmp"/
rm -rf "$P.old" && { [ -d "$P" ] && mv "$P" "$P.old" || true; } && mv "$tmp" "$P" && rm -rf "$P.old"
[ -f "$C/config.json" ] || printf '{\n  "dataDir": "%s"\n}\n' "$DATA_DIR" > "$C/config.json"
if [ -z "$ROOT" ]; then chown -R kehu:kehu "$D"; chmod 750 "$D"; chown root:kehu "$C/config.json"; chmod 640 "$C/config.json"; fi

if [ "$SYSTEMD" = 1 ]; then
  cat > "$UNIT" <<UNIT
[Unit]
Description=Kehu CRM
After=network.target postgresql.service

[Service]
User=kehu
Environment=KEHU_CONFIG=$CONFIG_DIR/config.json NODE_ENV=production
ExecStart=$(command -v node) $PREFIX/dist/src/main.js serve
Restart=on-failure
KillSignal=SIGTERM
TimeoutStopSec=30
NoNewPrivileges=true
ProtectSystem=full
ReadWritePaths=$DATA_DIR

[Install]
WantedBy=multi-user.target
UNIT
  systemctl daemon-reload && systemctl enable kehu.service >/dev/null && systemctl restart kehu.service
fi

port=$(KEHU_CONFIG="$C/config.json" node -e "const {loadConfig}=require('$P/dist/src/config/load.js'); const c=loadConfig().config; console.log(c.baseUrl)" 2>/dev/null || echo "http://localhost:3000")
echo "Kehu is installed in $P (data: $D, config: $C/config.json)."
[ "$SYSTEMD" = 1 ] && echo "It runs as the systemd service kehu. Open $port" || echo "Start it with: KEHU_CONFIG=$C/config.json node $P/dist/src/main.js serve — then open $port"
