#!/usr/bin/env bash
# Stop exactly what start.sh (and the BMCs' power-on) started: each process by the PID recorded
# in $FDR_BED_DIR/run/NAME.pid, checked against its start time (never by name), SIGTERM first,
# SIGKILL after a timeout. The state dir stays; `start.sh` brings the same cloud back.
# --purge also deletes the state dir (the next start is a fresh install of the cloud).
set -uo pipefail
# shellcheck source=env.sh
. "$(dirname "$0")/env.sh"

T0=$(date +%s)
[ -d "$RUN" ] || { log "nothing to stop: no $RUN"; [ "${1:-}" = --purge ] && rm -rf "$BED_DIR"; exit 0; }

# Stopped in waves; the processes of one wave in parallel (nova-compute takes 5-10 s to exit).
waves=(
  "$(for h in $(compute_names); do printf 'bmc-%s %s ' "$h" "$h"; done)"
  "nova-api nova-scheduler nova-conductor neutron-stub placement glance-api keystone"
  "rabbitmq"
  "epmd mysqld"
)
known=" ${waves[*]} "
extra=""
for f in "$RUN"/*.pid; do
  [ -e "$f" ] || continue
  name=$(basename "$f" .pid)
  case "$known" in *" $name "*) ;; *) extra="$extra $name" ;; esac
done
[ -z "$extra" ] || waves=("$extra" "${waves[@]}")

stop_one() { # NAME
  local name=$1 pid timeout=15
  pid=$(pid_of "$name") || { rm -f "$RUN/$name.pid"; return 0; }
  case "$name" in rabbitmq | mysqld) timeout=30 ;; esac
  stop_named "$name" "$timeout"
  log "stopped $name ($pid)"
}

stopped=0
for wave in "${waves[@]}"; do
  for name in $wave; do
    if is_running "$name"; then stopped=$((stopped + 1)); fi
    stop_one "$name" &
  done
  wait
done
log "stopped $stopped process(es) in $(($(date +%s) - T0))s"
if [ "${1:-}" = --purge ]; then
  rm -rf "$BED_DIR"
  log "removed $BED_DIR"
fi
