#!/usr/bin/env bash
# Builds the release archive an intranet server installs from without a package registry:
#   kehu-<version>-linux-x64-node<major>.tar.gz
# with the compiled code, production dependencies only (better-sqlite3's native module for this
# Node ABI, @node-rs/argon2's linux-x64 binary), views, assets, locales, migrations, the default
# configuration, bin/, install.sh, docker/, LICENSE, README and RELEASE.json.
#
#   scripts/release.sh [--out DIR] [--ref COMMIT]     (npm run release [-- --out DIR --ref COMMIT])
#     --out DIR     where the archive goes (default: ./release)
#     --ref COMMIT  build a commit (git archive) instead of the working tree as it is; RELEASE.json
#                   records the commit and whether the tree had uncommitted changes
#
# Everything happens in a temporary staging directory: the working tree's dist/ and node_modules/
# are never touched (node_modules/ is only read: the compiler, and the native SQLite module when it
# was built for the same version and Node ABI). Production dependencies come from the local npm
# cache first (npm ci --prefer-offline), so a machine that ran `npm ci` builds without the registry.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
OUT="$REPO/release"
REF=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT="$(mkdir -p "$2" && cd "$2" && pwd)"; shift 2 ;;
    --ref) REF="$2"; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "release: unknown option $1" >&2; exit 2 ;;
  esac
done
say() { printf '[release] %s\n' "$*"; }
die() { printf 'release: %s\n' "$*" >&2; exit 1; }

[ -d node_modules/typescript ] || die "run \`npm ci\` first (the compiler comes from the dev dependencies)"
STAGE=$(mktemp -d "${TMPDIR:-/tmp}/kehu-release.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT

# The source: the working tree, or a commit exported into the staging directory.
if [ -n "$REF" ]; then
  COMMIT=$(git rev-parse --verify "$REF^{commit}") || die "no commit $REF"
  DIRTY=false
  mkdir -p "$STAGE/source"
  git archive --format=tar "$COMMIT" | tar -x -C "$STAGE/source"
  ln -s "$REPO/node_modules" "$STAGE/source/node_modules"
  cd "$STAGE/source"
else
  COMMIT=${KEHU_GIT_COMMIT:-$(git rev-parse HEAD 2>/dev/null || echo unknown)}
  DIRTY=false
  if git rev-parse HEAD >/dev/null 2>&1 && [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then DIRTY=true; fi
fi

VERSION=$(node -p 'require("./package.json").version')
NODE_MAJOR=$(node -p 'process.versions.node.split(".")[0]')
NODE_ABI=$(node -p 'process.versions.modules')
WANT_MAJOR=$(node -p 'const m=/>=\s*(\d+)/.exec(require("./package.json").engines.node); m ? m[1] : ""')
[ "$NODE_MAJOR" = "$WANT_MAJOR" ] || die "building needs Node $WANT_MAJOR (package.json engines), this is $(node -v): the native modules are compiled for one Node ABI"
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) PLATFORM=linux-x64 ;;
  *) die "releases are built on linux-x64 (this is $(uname -s)-$(uname -m))" ;;
esac
NAME="kehu-$VERSION"
ARCHIVE="$NAME-$PLATFORM-node$NODE_MAJOR.tar.gz"
APP="$STAGE/$NAME"
mkdir -p "$APP"

# 1. Compile (npm run build, into the staging directory: no stale files from the working tree's dist/).
say "compiling TypeScript"
npm run --silent build -- --outDir "$STAGE/build" --tsBuildInfoFile "$STAGE/build.tsbuildinfo" --sourceMap false
mkdir -p "$APP/dist"
cp -a "$STAGE/build/src" "$APP/dist/src"

# 2. The product's own files.
cp -a views public locales migrations bin docker install.sh package.json package-lock.json LICENSE README.md "$APP"/
mkdir -p "$APP/config" "$APP/docs"
cp config/default.json config/README.md "$APP/config/"
cp docs/operations.md "$APP/docs/"

# 3. Production dependencies only, exactly as locked. Scripts are not run (the prepare script
#    would compile again and needs dev dependencies); better-sqlite3 is the one package with an
#    install step: its native module is built below, or taken from the working tree when that one
#    was built from the same version for the same Node ABI.
say "installing production dependencies (npm ci --omit=dev, local cache first)"
(cd "$APP" && npm ci --omit=dev --ignore-scripts --prefer-offline --no-audit --no-fund --loglevel=error)
SQLITE_NODE=node_modules/better-sqlite3/build/Release/better_sqlite3.node
staged_version=$(node -p "require('$APP/node_modules/better-sqlite3/package.json').version")
tree_version=$(node -p "try { require('$REPO/node_modules/better-sqlite3/package.json').version } catch { '' }")
if [ -f "$REPO/$SQLITE_NODE" ] && [ "$staged_version" = "$tree_version" ]; then
  say "better-sqlite3 $staged_version: using the native module built by npm ci for this Node ($NODE_ABI)"
  mkdir -p "$APP/$(dirname "$SQLITE_NODE")"
  cp "$REPO/$SQLITE_NODE" "$APP/$SQLITE_NODE"
else
  say "better-sqlite3 $staged_version: building the native module"
  (cd "$APP" && npm rebuild better-sqlite3 --foreground-scripts --loglevel=error)
  # Keep only the module itself, not the build tree.
  find "$APP/node_modules/better-sqlite3/build" -mindepth 1 -maxdepth 1 ! -name Release -exec rm -rf {} +
  find "$APP/node_modules/better-sqlite3/build/Release" -mindepth 1 ! -name better_sqlite3.node -exec rm -rf {} +
fi
# Sources of the native module are not needed at run time (a few MB of SQLite's C code).
rm -rf "$APP/node_modules/better-sqlite3/deps" "$APP/node_modules/better-sqlite3/src"

# 4. Prove the staged tree works on its own: the native modules load, and the CLI answers.
say "checking the staged tree"
(cd "$STAGE" && node -e '
  const app = process.argv[1];
  const Database = require(app + "/node_modules/better-sqlite3");
  const db = new Database(":memory:");
  db.exec("create virtual table t using fts5(x, tokenize = \"trigram\")");
  const argon2 = require(app + "/node_modules/@node-rs/argon2");
  if (!argon2.verifySync(argon2.hashSync("x"), "x")) throw new Error("argon2 does not verify");
  console.log("[release] sqlite " + db.prepare("select sqlite_version() v").get().v + ", argon2 ok");
' "$APP")
node "$APP/bin/kehu" --help >/dev/null || die "the staged kehu command does not start"
for dev in typescript tap tsx playwright-core autocannon @types; do
  [ ! -e "$APP/node_modules/$dev" ] || die "a dev dependency ($dev) ended up in the release"
done

# 5. What this is, for install.sh, the kehu command and support.
node -e '
  const [file, version, nodeMajor, abi, platform, commit, dirty, archive] = process.argv.slice(1);
  const release = { name: "kehu", version, nodeMajor: Number(nodeMajor), nodeAbi: Number(abi), platform,
    commit, dirty: dirty === "true", builtAt: new Date().toISOString(), archive };
  require("fs").writeFileSync(file, JSON.stringify(release, null, 2) + "\n");
' "$APP/RELEASE.json" "$VERSION" "$NODE_MAJOR" "$NODE_ABI" "$PLATFORM" "$COMMIT" "$DIRTY" "$ARCHIVE"

# 6. One archive, written under a temporary name and renamed when complete. Owner root, no
#    group/world write, whatever the build machine's umask and user.
mkdir -p "$OUT"
[ "$OUT" != "$REPO/release" ] || [ -f "$OUT/.gitignore" ] || printf '# Release archives: build outputs, never committed.\n*\n' > "$OUT/.gitignore"
say "writing $ARCHIVE"
chmod -R u+rwX,go+rX,go-w "$APP"
tar -C "$STAGE" --owner=0 --group=0 --numeric-owner --sort=name -czf "$OUT/.$ARCHIVE.partial" "$NAME"
mv -f "$OUT/.$ARCHIVE.partial" "$OUT/$ARCHIVE"
size=$(du -h "$OUT/$ARCHIVE" | cut -f1)
say "done: $OUT/$ARCHIVE ($size; version $VERSION, commit ${COMMIT:0:12}$([ "$DIRTY" = true ] && echo ', uncommitted changes'), Node $NODE_MAJOR)"
