#!/usr/bin/env bash
# Start the e2e test bed on 127.0.0.1: MariaDB, RabbitMQ, Keystone, Glance, Placement,
# nova-api, nova-conductor, nova-scheduler, compute-1..N (FakeDriver), a Neutron stand-in,
# one ipmi_sim BMC per compute host; then seed projects, users, flavors, an image and servers
# and write clouds.yaml + freezer-dr.yaml into the state dir.
#
# Idempotent: what already runs (recorded PID + start time) is left alone, what is missing is
# started, one-time steps (DB creation, syncs, bootstrap) are remembered by marker files.
# Every PID is recorded under $FDR_BED_DIR/run; test/e2e/bed/stop.sh stops exactly those.
set -euo pipefail
# shellcheck source=env.sh
. "$(dirname "$0")/env.sh"

T0=$(date +%s)
step() { log "$* (+$(($(date +%s) - T0))s)"; }

for p in mariadb-server rabbitmq-server keystone glance-api placement-api nova-api nova-conductor nova-scheduler uwsgi-plugin-python3 openipmi ipmitool fence-agents; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || die "package $p is missing: run test/e2e/bed/install.sh first"
done
case "$BED_DIR" in *[[:space:]]*) die "FDR_BED_DIR must not contain spaces: $BED_DIR" ;; esac

mkdir -p "$ETC"/{mysql,rabbitmq,keystone,glance,placement,nova,bmc} "$DATA" "$RUN" "$LOG" "$BED_DIR/bin" "$BED_DIR/markers"
chmod 700 "$BED_DIR"
MARK="$BED_DIR/markers"
done_once() { [ -f "$MARK/$1" ]; }
mark() { touch "$MARK/$1"; }

# ---------------------------------------------------------------------------------------
# Configuration files: rewritten on every start from the settings above.
DBURL() { echo "mysql+pymysql://openstack:$DB_PASSWORD@$BIND:$PORT_MYSQL/$1?charset=utf8"; }
authtoken() { # SERVICE_USER
  cat <<EOF
[keystone_authtoken]
www_authenticate_uri = $KEYSTONE_URL
auth_url = $KEYSTONE_URL
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = $1
password = $SERVICE_PASSWORD
region_name = $REGION
EOF
}
ks_client_section() { # SECTION USER
  cat <<EOF
[$1]
auth_type = password
auth_url = $KEYSTONE_URL
project_domain_name = Default
user_domain_name = Default
project_name = service
username = $2
password = $SERVICE_PASSWORD
region_name = $REGION
valid_interfaces = public
EOF
}

cat >"$ETC/mysql/my.cnf" <<EOF
[mysqld]
user = root
datadir = $DATA/mysql
socket = $RUN/mysqld.sock
pid-file = $RUN/mysqld.own-pid
port = $PORT_MYSQL
bind-address = $BIND
skip-name-resolve
log-error = $LOG/mysqld.err
max_connections = 500
innodb_buffer_pool_size = 64M
character-set-server = utf8mb4
collation-server = utf8mb4_general_ci
[client]
socket = $RUN/mysqld.sock
user = root
EOF

cat >"$ETC/rabbitmq/rabbitmq.conf" <<EOF
listeners.tcp.1 = $BIND:$PORT_RABBIT
distribution.listener.interface = $BIND
distribution.listener.port_range.min = $PORT_RABBIT_DIST
distribution.listener.port_range.max = $PORT_RABBIT_DIST
loopback_users.guest = true
disk_free_limit.absolute = 50MB
log.file.level = info
EOF
echo '[].' >"$ETC/rabbitmq/enabled_plugins"
: >"$ETC/rabbitmq/rabbitmq-env.conf"

cat >"$ETC/keystone/keystone.conf" <<EOF
[DEFAULT]
log_dir = $LOG
log_file = keystone.log
[database]
connection = $(DBURL keystone)
[token]
provider = fernet
expiration = 3600
[fernet_tokens]
key_repository = $DATA/keystone/fernet-keys
[credential]
key_repository = $DATA/keystone/credential-keys
EOF

uwsgi_ini() { # NAME PORT WSGI_FILE PROCESSES THREADS ENV...
  local name=$1 port=$2 wsgi=$3 procs=$4 threads=$5
  shift 5
  {
    echo "[uwsgi]"
    echo "plugins = python3"
    echo "http-socket = $BIND:$port"
    echo "wsgi-file = $wsgi"
    echo "processes = $procs"
    echo "threads = $threads"
    echo "master = true"
    echo "enable-threads = true"
    echo "lazy-apps = true"
    echo "need-app = true"
    echo "die-on-term = true"
    echo "hook-master-start = unix_signal:15 gracefully_kill_them_all"
    echo "worker-reload-mercy = 2"
    echo "buffer-size = 65535"
    echo "add-header = Connection: close"
    echo "disable-logging = true"
    echo "logto = $LOG/$name.uwsgi.log"
    for e in "$@"; do echo "env = $e"; done
  } >"$ETC/$name.uwsgi.ini"
}
uwsgi_ini keystone "$PORT_KEYSTONE" /usr/bin/keystone-wsgi-public 2 2 "OS_KEYSTONE_CONFIG_DIR=$ETC/keystone"

cat >"$ETC/glance/glance-api.conf" <<EOF
[DEFAULT]
bind_host = $BIND
bind_port = $PORT_GLANCE
workers = 0
log_dir = $LOG
log_file = glance-api.log
[database]
connection = $(DBURL glance)
$(authtoken glance)
[paste_deploy]
flavor = keystone
config_file = /usr/share/glance-common/glance-api-paste.ini
[glance_store]
stores = file
default_store = file
filesystem_store_datadir = $DATA/glance/images/
[oslo_concurrency]
lock_path = $DATA/glance/lock
EOF

cat >"$ETC/placement/placement.conf" <<EOF
[DEFAULT]
log_dir = $LOG
log_file = placement-api.log
[placement_database]
connection = $(DBURL placement)
[api]
auth_strategy = keystone
$(authtoken placement)
EOF
uwsgi_ini placement "$PORT_PLACEMENT" /usr/bin/placement-api 1 2 "OS_PLACEMENT_CONFIG_DIR=$ETC/placement"

cp /usr/share/nova-common/api-paste.ini "$ETC/nova/api-paste.ini"
cat >"$ETC/nova/nova.conf" <<EOF
[DEFAULT]
transport_url = rabbit://guest:guest@$BIND:$PORT_RABBIT/
my_ip = $BIND
state_path = $DATA/nova
log_dir = $LOG
compute_driver = fake.FakeDriver
report_interval = $REPORT_INTERVAL
service_down_time = $SERVICE_DOWN_TIME
vif_plugging_is_fatal = false
vif_plugging_timeout = 0
# Periodic tasks (the scheduler's host discovery, the computes' resource updates) start at
# once instead of after a random delay of up to 60 s.
periodic_fuzzy_delay = 0
[api]
auth_strategy = keystone
[api_database]
connection = $(DBURL nova_api)
[database]
connection = $(DBURL nova)
$(authtoken nova)
service_token_roles_required = true
$(ks_client_section placement nova)
$(ks_client_section neutron nova)
endpoint_override = http://$BIND:$PORT_NEUTRON
[glance]
region_name = $REGION
valid_interfaces = public
[cinder]
os_region_name = $REGION
[scheduler]
discover_hosts_in_cells_interval = $DISCOVER_INTERVAL
workers = 1
[conductor]
workers = 1
[quota]
instances = -1
cores = -1
ram = -1
metadata_items = -1
[oslo_concurrency]
lock_path = $DATA/nova/lock
[oslo_messaging_notifications]
driver = noop
[wsgi]
api_paste_config = $ETC/nova/api-paste.ini
EOF
printf '[DEFAULT]\nlog_file = nova-api.log\n' >"$ETC/nova/nova-api.conf"
uwsgi_ini nova-api "$PORT_NOVA" /usr/bin/nova-api-wsgi 2 1 "OS_NOVA_CONFIG_DIR=$ETC/nova" "OS_NOVA_CONFIG_FILES=api-paste.ini;nova.conf;nova-api.conf"
for h in $(compute_names); do
  mkdir -p "$DATA/$h/instances"
  cat >"$ETC/nova/$h.conf" <<EOF
[DEFAULT]
host = $h
log_file = $h.log
state_path = $DATA/$h
instances_path = $DATA/$h/instances
EOF
done
# Debian's console script for nova-compute (the nova-compute package itself pulls in libvirt).
cat >"$BED_DIR/bin/nova-compute" <<'EOF'
#!/usr/bin/python3
import sys
from nova.cmd.compute import main
sys.exit(main())
EOF
chmod +x "$BED_DIR/bin/nova-compute"

# ---------------------------------------------------------------------------------------
# MariaDB
if ! is_running mysqld; then
  claim_port mysqld "$PORT_MYSQL"
  if [ ! -d "$DATA/mysql/mysql" ]; then
    step "mariadb: initialising $DATA/mysql"
    mkdir -p "$DATA/mysql"
    mariadb-install-db --defaults-file="$ETC/mysql/my.cnf" --auth-root-authentication-method=socket --skip-test-db >"$LOG/mariadb-install-db.log" 2>&1
  fi
  step "mariadb: starting"
  spawn mysqld "$LOG/mysqld.out" /usr/sbin/mariadbd --defaults-file="$ETC/mysql/my.cnf"
fi
wait_until 60 "mariadb" mariadb --defaults-file="$ETC/mysql/my.cnf" -e 'SELECT 1'
if ! done_once databases; then
  step "mariadb: databases and user"
  {
    for db in keystone glance placement nova_api nova nova_cell0; do echo "CREATE DATABASE IF NOT EXISTS $db;"; done
    echo "CREATE USER IF NOT EXISTS 'openstack'@'127.0.0.1' IDENTIFIED BY '$DB_PASSWORD';"
    echo "ALTER USER 'openstack'@'127.0.0.1' IDENTIFIED BY '$DB_PASSWORD';"
    echo "GRANT ALL PRIVILEGES ON *.* TO 'openstack'@'127.0.0.1';"
    echo "FLUSH PRIVILEGES;"
  } | mariadb --defaults-file="$ETC/mysql/my.cnf"
  mark databases
fi

# ---------------------------------------------------------------------------------------
# RabbitMQ (epmd first, so that its PID is ours and known)
rabbit_env=(
  env HOME="$DATA/rabbitmq" RUNNING_UNDER_SYSTEMD=true
  RABBITMQ_CONF_ENV_FILE="$ETC/rabbitmq/rabbitmq-env.conf"
  RABBITMQ_NODENAME=rabbit@localhost RABBITMQ_NODE_IP_ADDRESS="$BIND" RABBITMQ_NODE_PORT="$PORT_RABBIT"
  RABBITMQ_DIST_PORT="$PORT_RABBIT_DIST" ERL_EPMD_PORT="$PORT_EPMD" ERL_EPMD_ADDRESS="$BIND"
  RABBITMQ_CONFIG_FILE="$ETC/rabbitmq/rabbitmq.conf" RABBITMQ_ENABLED_PLUGINS_FILE="$ETC/rabbitmq/enabled_plugins"
  RABBITMQ_MNESIA_BASE="$DATA/rabbitmq/mnesia" RABBITMQ_LOG_BASE="$LOG/rabbitmq"
  RABBITMQ_PID_FILE="$RUN/rabbitmq.own-pid"
)
if ! is_running epmd; then
  claim_port epmd "$PORT_EPMD"
  step "epmd: starting"
  spawn epmd "$LOG/epmd.log" /usr/bin/epmd -port "$PORT_EPMD" -address "$BIND"
  wait_until 10 "epmd" port_busy "$PORT_EPMD"
fi
if ! is_running rabbitmq; then
  claim_port rabbitmq "$PORT_RABBIT"
  step "rabbitmq: starting"
  mkdir -p "$DATA/rabbitmq" "$LOG/rabbitmq"
  spawn rabbitmq "$LOG/rabbitmq.out" "${rabbit_env[@]}" /usr/lib/rabbitmq/bin/rabbitmq-server
fi

# ---------------------------------------------------------------------------------------
# Keystone
if ! done_once keystone; then
  step "keystone: db_sync, fernet, bootstrap"
  mkdir -p "$DATA/keystone"
  keystone-manage --config-file "$ETC/keystone/keystone.conf" db_sync
  keystone-manage --config-file "$ETC/keystone/keystone.conf" fernet_setup --keystone-user root --keystone-group root
  keystone-manage --config-file "$ETC/keystone/keystone.conf" credential_setup --keystone-user root --keystone-group root
  keystone-manage --config-file "$ETC/keystone/keystone.conf" bootstrap \
    --bootstrap-password "$ADMIN_PASSWORD" --bootstrap-username admin --bootstrap-project-name admin \
    --bootstrap-role-name admin --bootstrap-service-name keystone --bootstrap-region-id "$REGION" \
    --bootstrap-admin-url "$AUTH_URL" --bootstrap-public-url "$AUTH_URL" --bootstrap-internal-url "$AUTH_URL"
  mark keystone
fi
if ! is_running keystone; then
  claim_port keystone "$PORT_KEYSTONE"
  step "keystone: starting"
  spawn keystone "$LOG/keystone.out" uwsgi --ini "$ETC/keystone.uwsgi.ini"
fi
wait_until 60 "keystone" http_ok "$AUTH_URL"

# Service users, roles and the catalog (compute, image, placement); idempotent.
BEDPY=("$PY" "$BED_SRC/openstack.py")
export FDR_BED_DIR="$BED_DIR" FDR_BED_AUTH_URL="$AUTH_URL" FDR_BED_ADMIN_PASSWORD="$ADMIN_PASSWORD" FDR_BED_SERVICE_PASSWORD="$SERVICE_PASSWORD"
if ! done_once catalog; then
  step "keystone: service users and catalog"
  "${BEDPY[@]}" catalog --compute "http://$BIND:$PORT_NOVA/v2.1" --image "http://$BIND:$PORT_GLANCE" --placement "http://$BIND:$PORT_PLACEMENT"
  mark catalog
fi

# ---------------------------------------------------------------------------------------
# Glance and Placement
if ! done_once glance; then
  step "glance: db_sync"
  mkdir -p "$DATA/glance/images" "$DATA/glance/lock"
  glance-manage --config-file "$ETC/glance/glance-api.conf" db_sync >"$LOG/glance-manage.log" 2>&1
  mark glance
fi
if ! is_running glance-api; then
  claim_port glance-api "$PORT_GLANCE"
  step "glance-api: starting"
  spawn glance-api "$LOG/glance-api.out" /usr/bin/glance-api --config-file "$ETC/glance/glance-api.conf"
fi
if ! done_once placement; then
  step "placement: db sync"
  placement-manage --config-file "$ETC/placement/placement.conf" db sync
  mark placement
fi
if ! is_running placement; then
  claim_port placement "$PORT_PLACEMENT"
  step "placement: starting"
  spawn placement "$LOG/placement.out" uwsgi --ini "$ETC/placement.uwsgi.ini"
fi

# ---------------------------------------------------------------------------------------
# Nova
wait_until 90 "rabbitmq on $PORT_RABBIT" port_busy "$PORT_RABBIT"
NM=(nova-manage --config-file "$ETC/nova/nova.conf")
if ! done_once nova; then
  step "nova: api_db sync, cells, db sync"
  mkdir -p "$DATA/nova/lock"
  "${NM[@]}" api_db sync
  "${NM[@]}" cell_v2 map_cell0 --database_connection "$(DBURL nova_cell0)"
  "${NM[@]}" cell_v2 list_cells 2>/dev/null | grep -q ' cell1 ' || "${NM[@]}" cell_v2 create_cell --name cell1
  "${NM[@]}" db sync
  mark nova
fi
if ! is_running neutron-stub; then
  claim_port neutron-stub "$PORT_NEUTRON"
  step "neutron stand-in: starting"
  spawn neutron-stub "$LOG/neutron-stub.out" "$PY" "$BED_SRC/neutron-stub.py" "$PORT_NEUTRON" "$LOG/neutron-stub.log"
fi
if ! is_running nova-api; then
  claim_port nova-api "$PORT_NOVA"
  step "nova-api: starting"
  spawn nova-api "$LOG/nova-api.out" uwsgi --ini "$ETC/nova-api.uwsgi.ini"
fi
for svc in nova-conductor nova-scheduler; do
  if ! is_running "$svc"; then
    step "$svc: starting"
    spawn "$svc" "$LOG/$svc.out" "/usr/bin/$svc" --config-file "$ETC/nova/nova.conf" --log-file "$LOG/$svc.log"
  fi
done
wait_until 60 "placement" http_any "http://$BIND:$PORT_PLACEMENT/"
wait_until 60 "nova-api" http_any "http://$BIND:$PORT_NOVA/"
# A nova-compute started before the conductor answers waits 10 s before it tries again.
"${BEDPY[@]}" wait-conductor --timeout 60
for h in $(compute_names); do
  if ! is_running "$h"; then
    step "$h: starting nova-compute"
    echo 1 >"$RUN/$h.power"
    start_compute "$h"
  fi
done

# ---------------------------------------------------------------------------------------
# BMCs: one ipmi_sim per compute host; power-off kills that nova-compute, power-on restarts it.
i=0
for h in $(compute_names); do
  i=$((i + 1))
  port=$((BMC_PORT_BASE + i))
  [ -f "$RUN/$h.power" ] || echo 1 >"$RUN/$h.power"
  is_running "bmc-$h" && continue
  claim_port "bmc-$h" "$port" udp
  mkdir -p "$DATA/bmc-$h"
  cat >"$ETC/bmc/$h.lan.conf" <<EOF
name "bmc-$h"
set_working_mc 0x20
  startlan 1
    addr $BIND $port
    priv_limit admin
    guid $(printf 'f2ee2e0000000000%016x' "$port")
  endlan
  chassis_control "$BED_SRC/bmc-power.sh $BED_DIR $h"
  user 2 true "$BMC_USER" "$BMC_PASSWORD" admin 10 md5 straight
EOF
  printf 'mc_setbmc 0x20\nmc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02\nmc_enable 0x20\n' >"$ETC/bmc/$h.emu"
  step "bmc-$h: ipmi_sim on $BIND:$port"
  spawn "bmc-$h" "$LOG/bmc-$h.out" ipmi_sim -c "$ETC/bmc/$h.lan.conf" -f "$ETC/bmc/$h.emu" -s "$DATA/bmc-$h" -n
done

# ---------------------------------------------------------------------------------------
wait_until 60 "glance-api" http_any "http://$BIND:$PORT_GLANCE/"
step "waiting for $COMPUTES computes up and mapped"
"${BEDPY[@]}" wait-computes --count "$COMPUTES" --timeout 120 --discover "${NM[*]}"
for h in $(compute_names); do
  i=${h#compute-}
  wait_until 10 "bmc-$h" ipmitool -I lanplus -C 3 -H "$BIND" -p "$((BMC_PORT_BASE + i))" -U "$BMC_USER" -P "$BMC_PASSWORD" -N 1 -R 1 chassis power status
done

if [ "${FDR_BED_SKIP_SEED:-}" = 1 ]; then
  step "daemons up (FDR_BED_SKIP_SEED=1: Nova's state left as it is)"
  exit 0
fi
step "healing computes; seeding projects, users, flavors, image, servers"
"${BEDPY[@]}" seed --bmc-port-base "$BMC_PORT_BASE" --smtp-port "$PORT_SMTP" --computes "$COMPUTES"

rss=0
for f in "$RUN"/*.pid; do
  name=$(basename "$f" .pid)
  pid=$(pid_of "$name") || continue
  for p in "$pid" $(descendants_of "$pid"); do
    kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
    rss=$((rss + ${kb:-0}))
  done
done
step "bed up: $(ls "$RUN"/*.pid | wc -l) processes recorded, RSS $((rss / 1024)) MiB; state in $BED_DIR"
echo "clouds.yaml:     $BED_DIR/clouds.yaml (cloud freezer-dr-bed)"
echo "freezer-dr.yaml: $BED_DIR/freezer-dr.yaml (BMC password: env FDR_BED_BMC_PASSWORD)"
