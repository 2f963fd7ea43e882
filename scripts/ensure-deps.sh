#!/usr/bin/env bash
# Installs what `npm start` / `npm test` need on a fresh machine, and nothing when it is already there.
#   - npm packages from the lock file (the browser download of puppeteer is skipped: no network for it);
#   - with `--browser` (tests, the CLI): Debian's chromium, whose SwiftShader gives WebGPU on the CPU;
#   - with `--bench`: also Debian's python3-numpy, for the benchmark's CPU baseline.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[reluscope] installing npm packages from package-lock.json" >&2
  PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund >&2
fi

if [ "${1:-}" = "--browser" ] || [ "${1:-}" = "--bench" ]; then
  missing=()
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  # The benchmark's CPU baseline (scripts/numpy_baseline.py) runs numpy.
  [ "${1:-}" = "--bench" ] && ! python3 -c 'import numpy' 2>/dev/null && missing+=(python3-numpy)
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
      echo "[reluscope] installing Debian packages: ${missing[*]}" >&2
      apt-get update -qq >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
    else
      echo "[reluscope] missing Debian packages: ${missing[*]}; run: sudo apt-get install ${missing[*]}" >&2
      exit 1
    fi
  fi
fi
