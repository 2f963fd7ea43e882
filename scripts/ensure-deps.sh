#!/usr/bin/env bash
# Installs what `npm start` / `npm test` need on a fresh machine, and nothing when it is already there.
#   - npm packages from the lock file (the browser download of puppeteer is skipped: no network for it);
#   - with `--browser` (tests, the CLI): Debian's chromium, whose SwiftShader gives WebGPU on the CPU, and
#     libvulkan1, the Vulkan loader that SwiftShader needs and that chromium does not pull in;
#   - with `--bench`: also Debian's python3-numpy, for the benchmark's CPU baseline.
# Debian packages are checked one by one with `dpkg -s`, not by the presence of one file.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[reluscope] installing npm packages from package-lock.json" >&2
  PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund >&2
fi

installed() { dpkg -s "$1" 2>/dev/null | grep -q '^Status: install ok installed'; }

if [ "${1:-}" = "--browser" ] || [ "${1:-}" = "--bench" ]; then
  wanted=(chromium libvulkan1)
  [ "${1:-}" = "--bench" ] && wanted+=(python3-numpy)
  missing=()
  if command -v dpkg >/dev/null; then
    for pkg in "${wanted[@]}"; do installed "$pkg" || missing+=("$pkg"); done
  else
    # Not Debian: the packages cannot be checked by name; say what is needed if the browser is missing.
    [ -x "${RELUSCOPE_CHROMIUM:-/usr/bin/chromium}" ] || {
      echo "[reluscope] no Chromium at ${RELUSCOPE_CHROMIUM:-/usr/bin/chromium} and no dpkg to install it;" \
        "install Chromium and the Vulkan loader, or set RELUSCOPE_CHROMIUM" >&2
      exit 1
    }
  fi
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
      echo "[reluscope] installing Debian packages: ${missing[*]}" >&2
      apt-get update -qq >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
    elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
      echo "[reluscope] installing Debian packages with sudo: ${missing[*]}" >&2
      sudo -n apt-get update -qq >&2
      sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
    else
      echo "[reluscope] missing Debian packages: ${missing[*]}; run: sudo apt-get install ${missing[*]}" >&2
      exit 1
    fi
  fi
fi
