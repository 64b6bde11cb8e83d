#!/usr/bin/env bash
# Sourced, not run: close_inherited_fds for the scripts that start daemons (deploy/ensure-docker.sh,
# deploy/nodes.sh, scripts/ensure-rabbitmq.sh).

# close_inherited_fds closes every descriptor above 2 of the current (sub)shell. A daemon started
# after it does not keep what its caller holds open for ever: `flock /tmp/goblog-system.lock <command>`
# would otherwise stay locked for as long as the daemon runs.
close_inherited_fds() {
    local fd
    for fd in /proc/"$BASHPID"/fd/*; do
        fd=${fd##*/}
        if ((fd > 2)); then eval "exec $fd>&-" 2>/dev/null || true; fi
    done
}
