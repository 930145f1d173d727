#!/usr/bin/env bash
# Installs the Debian packages nocontact needs, only when they are missing.
#   scripts/system-deps.sh run    - what the app needs (PDF engine libraries and fonts)
#   scripts/system-deps.sh test   - also what the tests need (chromium for browser tests, poppler for PDF checks)
set -euo pipefail
want=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core python3-venv)
if [ "${1:-run}" = "test" ]; then
  want+=(chromium poppler-utils openssl)
fi
missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "Installing Debian packages: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
