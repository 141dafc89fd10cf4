#!/usr/bin/env bash
# Install Debian's nginx for scripts/serve-class.sh and its test, without
# starting the system service: the package's post-install would otherwise
# start a daemon on port 80 where no init system stops it (containers, CI).
# A temporary policy-rc.d (exit 101 = "action forbidden") tells invoke-rc.d
# not to start it. Needs root and apt-get.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
policy=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod +x "$policy"
    made_policy=1
fi
trap '[ "$made_policy" = 0 ] || rm -f "$policy"' EXIT
apt-get update -qq
apt-get install -y -qq --no-install-recommends nginx >/dev/null
