#!/usr/bin/env bash
# One-shot setup for a fresh Debian/Ubuntu machine with Node 20 (the version package.json's engines names):
# installs the system packages headless-gl needs to build and run (Xvfb, Mesa,
# X11/GLEW headers, a C++ toolchain), then `npm ci` (which builds `gl` from source,
# ~3-4 min) and the TypeScript build. Safe to re-run: it skips what is present.
set -euo pipefail
cd "$(dirname "$0")/.."

# First, so that a too-old Node is reported before minutes of installing: the full version
# package.json's "engines" asks for, not just the major.
bash scripts/check-node.sh

# Build-time: headless-gl compiles against X11, XInput, GLEW and GLU.
# Run-time: an X server (Xvfb, started by the renderer itself) and Mesa's llvmpipe.
# Tests: Debian's headless-capable Chromium, which the share-page browser tests drive with
# puppeteer-core (no browser is downloaded by npm; without it those tests skip), and redis-server,
# which the render farm tests start on a free port (their S3 server, s3rver, comes from npm).
PACKAGES=(xvfb xauth libgl1-mesa-dri libglu1-mesa-dev libx11-dev libxi-dev libxext-dev
          libglew-dev pkg-config python3 make g++ chromium curl redis-server)

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "renderbay setup: installing system packages: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm ci is exact and reproducible; skip it when node_modules already matches the lockfile.
if [ ! -f node_modules/.package-lock.json ] || ! cmp -s package-lock.json node_modules/.renderbay-lock; then
  npm ci --no-audit --no-fund
  cp package-lock.json node_modules/.renderbay-lock
fi
npm run build --silent
node dist/scripts/make-fixtures.js
echo "renderbay setup: ready"
