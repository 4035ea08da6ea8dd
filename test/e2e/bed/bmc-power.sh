#!/usr/bin/env bash
# ipmi_sim's chassis_control program for one compute host of the bed. ipmi_sim runs it as
#   bmc-power.sh STATE_DIR compute-N get power        -> prints "power:1" or "power:0"
#   bmc-power.sh STATE_DIR compute-N set power 0|1    (chassis power off / on)
#   bmc-power.sh STATE_DIR compute-N set reset 1      (chassis power reset / cycle)
#   bmc-power.sh STATE_DIR compute-N set shutdown 1   (chassis power soft)
# The host's power is the flag in run/compute-N.power. Power-off SIGKILLs that host's
# nova-compute (by its recorded PID); power-on starts it again. A `kill -9` by a test leaves
# the flag at 1: a hung host whose BMC still answers "on".
set -u
# Never hand ipmi_sim's own sockets to a nova-compute we start.
for fd in $(ls /proc/$$/fd); do
  if [ "$fd" -gt 2 ] 2>/dev/null; then eval "exec $fd>&-" 2>/dev/null; fi
done
export FDR_BED_DIR="$1"
host="$2"
shift 2
# shellcheck source=env.sh
. "$(dirname "$0")/env.sh"
flag="$RUN/$host.power"
events="$LOG/bmc-$host.events"
event() { echo "$(date -u +%FT%T.%3NZ) $host $*" >>"$events"; }

[ -f "$flag" ] || echo 1 >"$flag"
cmd="${1:-}"
shift || true
case "$cmd" in
  get)
    for item in "$@"; do
      case "$item" in
        power) echo "power:$(cat "$flag")" ;;
      esac
    done
    ;;
  set)
    while [ $# -ge 2 ]; do
      item=$1 value=$2
      shift 2
      case "$item:$value" in
        power:0)
          kill_compute "$host"
          echo 0 >"$flag"
          event "power off: nova-compute killed"
          ;;
        power:1)
          echo 1 >"$flag"
          start_compute "$host"
          event "power on: nova-compute pid $(pid_of "$host" || echo '?')"
          ;;
        reset:1)
          kill_compute "$host"
          echo 1 >"$flag"
          start_compute "$host"
          event "reset: nova-compute restarted, pid $(pid_of "$host" || echo '?')"
          ;;
        shutdown:1)
          if pid=$(pid_of "$host"); then
            kill -TERM "$pid" 2>/dev/null
            for ((i = 0; i < 30; i++)); do proc_starttime "$pid" >/dev/null || break; sleep 0.1; done
          fi
          kill_compute "$host"
          echo 0 >"$flag"
          event "soft off: nova-compute stopped"
          ;;
        *) event "ignored: set $item $value" ;;
      esac
    done
    ;;
  *) event "ignored: ${cmd} $*" ;;
esac
exit 0
