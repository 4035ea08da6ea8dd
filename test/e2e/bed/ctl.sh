#!/usr/bin/env bash
# Small controls over the running bed, for the tests, the benchmark and people:
#   ctl.sh kill NAME        SIGKILL the recorded process NAME (compute-1, bmc-compute-2, nova-api...)
#   ctl.sh stop NAME        stop it (SIGTERM, then SIGKILL), by its recorded PID
#   ctl.sh start-compute H  start nova-compute of host H (power flag on), like a power-on
#   ctl.sh pid NAME         print the PID when it runs (exit 1 otherwise)
#   ctl.sh up               start.sh without its heal/seed step: restart what is down, change nothing in Nova
#   ctl.sh reset            a healthy cloud: start.sh (restarts whatever is down), then every
#                           compute un-forced, up and enabled and every seeded server ACTIVE on its host
set -euo pipefail
# shellcheck source=env.sh
. "$(dirname "$0")/env.sh"
cmd=${1:-}
name=${2:-}
case "$cmd" in
  kill)
    pid=$(pid_of "$name") || die "$name is not running"
    kill -KILL "$pid"
    echo "$pid"
    ;;
  stop) stop_named "$name" 15 ;;
  start-compute)
    echo 1 >"$RUN/$name.power"
    start_compute "$name"
    pid_of "$name"
    ;;
  pid) pid_of "$name" ;;
  up)
    FDR_BED_SKIP_SEED=1 "$BED_SRC/start.sh" >"$LOG/up.log" 2>&1 || { tail -20 "$LOG/up.log" >&2; die "start.sh failed (log: $LOG/up.log)"; }
    ;;
  reset)
    "$BED_SRC/start.sh" >"$LOG/reset.log" 2>&1 || { tail -20 "$LOG/reset.log" >&2; die "start.sh failed (log: $LOG/reset.log)"; }
    tail -1 "$LOG/reset.log"
    ;;
  *) die "usage: ctl.sh kill|stop|start-compute|pid NAME | ctl.sh up|reset" ;;
esac
