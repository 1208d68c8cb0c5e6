#!/bin/sh
# Installs Debian's redis-server for the Redis queue tests when it is missing. Idempotent and quiet;
# the tests start their own redis-server on a free port, so no system service is enabled or started.
set -eu

if command -v redis-server >/dev/null 2>&1; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "install-redis: redis-server is missing and this is not root (no sudo): run 'apt-get install redis-server' as root" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# policy-rc.d 101 keeps the package from starting the system service inside containers.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get install -y -qq --no-install-recommends redis-server >/dev/null

command -v redis-server >/dev/null 2>&1 || { echo "install-redis: redis-server still not on PATH after install" >&2; exit 1; }
redis-server --version
