# Sourced by every bed script: paths, ports, settings (all overridable from the environment)
# and the helpers that track the processes the bed starts by PID and start time.
# shellcheck shell=bash

# Debian's tools, Debian's python: never a python3 from pyenv or another PATH entry.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
PY=/usr/bin/python3

BED_SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BED_DIR="${FDR_BED_DIR:-/var/tmp/freezer-dr-e2e}"
ETC="$BED_DIR/etc"
DATA="$BED_DIR/data"
RUN="$BED_DIR/run"
LOG="$BED_DIR/log"

BIND=127.0.0.1
PORT_MYSQL="${FDR_BED_PORT_MYSQL:-3306}"
PORT_EPMD="${FDR_BED_PORT_EPMD:-4369}"
PORT_RABBIT="${FDR_BED_PORT_RABBIT:-5672}"
PORT_RABBIT_DIST="${FDR_BED_PORT_RABBIT_DIST:-25672}"
PORT_KEYSTONE="${FDR_BED_PORT_KEYSTONE:-5000}"
PORT_GLANCE="${FDR_BED_PORT_GLANCE:-9292}"
PORT_PLACEMENT="${FDR_BED_PORT_PLACEMENT:-8778}"
PORT_NOVA="${FDR_BED_PORT_NOVA:-8774}"
PORT_NEUTRON="${FDR_BED_PORT_NEUTRON:-9696}"
# BMC of compute-N listens on BMC_PORT_BASE + N (6231..6233 by default).
BMC_PORT_BASE="${FDR_BED_BMC_PORT_BASE:-6230}"
# The SMTP server the tests start; only written into the bed's freezer-dr.yaml.
PORT_SMTP="${FDR_BED_PORT_SMTP:-2525}"

COMPUTES="${FDR_BED_COMPUTES:-3}"
REPORT_INTERVAL="${FDR_BED_REPORT_INTERVAL:-5}"
SERVICE_DOWN_TIME="${FDR_BED_SERVICE_DOWN_TIME:-20}"
DISCOVER_INTERVAL="${FDR_BED_DISCOVER_INTERVAL:-5}"

ADMIN_PASSWORD="${FDR_BED_ADMIN_PASSWORD:-admin}"
SERVICE_PASSWORD="${FDR_BED_SERVICE_PASSWORD:-service-secret}"
DB_PASSWORD="${FDR_BED_DB_PASSWORD:-bed-db-secret}"
BMC_USER="${FDR_BED_BMC_USER:-admin}"
BMC_PASSWORD="${FDR_BED_BMC_PASSWORD:-password}"
REGION=RegionOne

KEYSTONE_URL="http://$BIND:$PORT_KEYSTONE"
AUTH_URL="$KEYSTONE_URL/v3"

export BED_DIR ETC DATA RUN LOG

log() { printf '[bed %s] %s\n' "$(date +%T)" "$*"; }
die() { printf '[bed %s] ERROR: %s\n' "$(date +%T)" "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------
# Processes: run/NAME.pid holds "PID STARTTIME" (field 22 of /proc/PID/stat). A PID is ours
# only while that start time matches: uwsgi rewrites cmdline/environ, and PIDs get reused.
# A zombie (state Z, reaped late by PID 1 here) counts as dead.

proc_starttime() { # PID -> start time in clock ticks, or nothing
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }            # drop "pid (comm) "; comm may contain spaces
  # shellcheck disable=SC2086
  set -- $stat                 # now $1 = state (field 3), so field 22 is $20
  [ "$1" != Z ] || return 1
  echo "${20}"
}

record_pid() { # NAME PID
  local st
  st=$(proc_starttime "$2") || { echo "$2 0" >"$RUN/$1.pid"; return 0; }
  echo "$2 $st" >"$RUN/$1.pid"
}

pid_of() { # NAME -> PID when that recorded process is alive
  local f="$RUN/$1.pid" pid st now
  [ -f "$f" ] || return 1
  read -r pid st <"$f" || return 1
  now=$(proc_starttime "$pid") || return 1
  [ "$now" = "$st" ] || return 1
  echo "$pid"
}

is_running() { pid_of "$1" >/dev/null; }

descendants_of() { # PID -> every descendant PID (by parent PID, depth first)
  local c
  for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do
    echo "$c"
    descendants_of "$c"
  done
}

# Stop one recorded process (and whatever it forked) by PID: SIGTERM, wait, then SIGKILL.
stop_named() { # NAME [TIMEOUT_S]
  local name=$1 timeout=${2:-15} pid kids i
  pid=$(pid_of "$name") || { rm -f "$RUN/$name.pid"; return 0; }
  kids=$(descendants_of "$pid")
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < timeout * 10; i++)); do
    proc_starttime "$pid" >/dev/null || break
    sleep 0.1
  done
  if proc_starttime "$pid" >/dev/null; then
    log "$name ($pid) did not stop in ${timeout}s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  for k in $kids; do proc_starttime "$k" >/dev/null && kill -KILL "$k" 2>/dev/null || true; done
  rm -f "$RUN/$name.pid"
}

# Start a daemon detached (own session, stdio to its log) and record its PID.
# setsid does not fork here (we are not a process-group leader), so $! is the daemon.
spawn() { # NAME LOGFILE CMD...
  local name=$1 logfile=$2
  shift 2
  setsid "$@" </dev/null >>"$logfile" 2>&1 &
  record_pid "$name" $!
}

# ---------------------------------------------------------------------------------------
# Ports and readiness

port_busy() { # PORT [udp] -> true when something listens on 127.0.0.1:PORT
  if [ "${2:-tcp}" = udp ]; then
    ss -Hlun "sport = :$1" 2>/dev/null | grep -q .
  else
    ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
  fi
}

# Refuse to start NAME when its port is held by a process the bed did not start.
claim_port() { # NAME PORT [udp]
  if port_busy "$2" "${3:-tcp}"; then
    die "port $2 is in use by a process this bed did not start (for $1); stop it or set FDR_BED_PORT_* / FDR_BED_BMC_PORT_BASE"
  fi
}

wait_until() { # TIMEOUT_S DESCRIPTION CMD...
  local timeout=$1 what=$2 i
  shift 2
  for ((i = 0; i < timeout * 5; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  die "timed out after ${timeout}s waiting for $what"
}

http_ok() { curl -fsS -o /dev/null --max-time 3 "$1"; }
http_any() { curl -sS -o /dev/null --max-time 3 "$1"; } # any HTTP answer

compute_names() { local i; for ((i = 1; i <= COMPUTES; i++)); do echo "compute-$i"; done; }

# ---------------------------------------------------------------------------------------
# nova-compute processes: one per compute host, each with its own host= file. Started by
# start.sh and by the BMC's power-on (bmc-power.sh); the power flag is run/compute-N.power.

start_compute() { # compute-N
  local h=$1
  is_running "$h" && return 0
  spawn "$h" "$LOG/$h.out" "$BED_DIR/bin/nova-compute" \
    --config-file "$ETC/nova/nova.conf" --config-file "$ETC/nova/$h.conf"
}

kill_compute() { # compute-N: SIGKILL, as a power cut does
  local h=$1 pid i
  pid=$(pid_of "$h") || return 0
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do proc_starttime "$pid" >/dev/null || break; sleep 0.05; done
}
