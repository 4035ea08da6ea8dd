#!/usr/bin/env bash
# Install the Debian 12 packages the e2e test bed needs (Keystone + Nova Zed, MariaDB, RabbitMQ,
# fence-agents, OpenIPMI) and the integration tests' (Prometheus, the second signal). Idempotent: exits in about a second when everything is present.
# Nothing is configured or started by the packages: debconf answers "no" to every
# auto-configuration question and a policy-rc.d that exits 101 blocks invoke-rc.d. prometheus is
# for the /metrics integration test, which runs its binary itself on 127.0.0.1; chromium for the
# status page test (headless, driven by playwright-core).
set -euo pipefail
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export DEBIAN_FRONTEND=noninteractive

PACKAGES=(
  mariadb-server rabbitmq-server
  keystone glance-api placement-api
  nova-api nova-conductor nova-scheduler
  python3-openstackclient python3-osc-placement python3-pymysql
  uwsgi-plugin-python3
  fence-agents ipmitool openipmi
  prometheus chromium
  curl
)

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install: all ${#PACKAGES[@]} packages present"
  exit 0
fi
echo "install: missing: ${missing[*]}"

# Block service starts during the install; remove our policy-rc.d afterwards only if we created it.
created_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod 755 /usr/sbin/policy-rc.d
  created_policy=1
fi
cleanup() { if [ "$created_policy" = 1 ]; then $SUDO rm -f /usr/sbin/policy-rc.d; fi; }
trap cleanup EXIT

# Answer "no" to every question that would configure a database, keystone, rabbit or endpoints.
$SUDO debconf-set-selections <<'SEL'
dbconfig-common dbconfig-common/dbconfig-install boolean false
keystone keystone/configure_db boolean false
keystone keystone/create-admin-tenant boolean false
keystone keystone/register-endpoint boolean false
glance-common glance/configure_db boolean false
glance-api glance/configure_ksat boolean false
glance-api glance/configure_rabbit boolean false
glance-api glance/configure_api-endpoint boolean false
nova-common nova/configure_db boolean false
nova-common nova/configure_ksat boolean false
nova-common nova/configure_rabbit boolean false
nova-common nova/configure_neutron boolean false
nova-common nova/configure_placement boolean false
nova-api novaapi/configure_db boolean false
nova-api nova/configure_api-endpoint boolean false
placement-common placement/configure_db boolean false
placement-api placement/configure_ksat boolean false
placement-api placement/configure_api-endpoint boolean false
SEL

start=$(date +%s)
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends -o Dpkg::Options::=--force-confold "${missing[@]}"
echo "install: done in $(( $(date +%s) - start ))s"
