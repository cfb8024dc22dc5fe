#!/bin/bash
# Repairs two gaps of the loopback OpenStack that /work/shared/openstack/openstack-fake-up.sh brings up, on the
# running machine, then verifies them with stack-check.sh. Run as root after openstack-fake-up.sh; safe to run again
# (a second run changes nothing and restarts nothing). Only talks to 127.0.0.1.
#
# 1. Neutron cannot delete networks (DELETE /v2.0/networks/{id} -> 500). Network delete loads the segments service
#    plugin (neutron.services.segments.db._delete_segments_for_network), whose NovaSegmentNotifier builds a Nova client
#    from neutron.conf [nova] and a Placement client from [placement]. Debian's neutron.conf has
#    `[nova] auth_type = password` without auth_url, and an empty [placement]:
#      CallbackFailure: Callback neutron.services.segments.db._delete_segments_for_network-... failed with
#      "Auth plugin requires parameters which were not given: auth_url"
#    Fix: [nova] and [placement] credentials (users nova and placement of project service, as the up script's
#    svcuser helper writes them for nova.conf), then neutron-server restarted as the up script starts it.
# 2. Volume detach never finishes (volume stays `detaching`). Nova sends its service token (nova.conf
#    [service_user] send_service_user_token = true), but user nova has only the admin role, and Cinder only takes a
#    request as coming from Nova when the service token carries one of [keystone_authtoken] service_token_roles
#    (default: service); otherwise it refuses the attachment delete (Bug #2004555):
#      cinder-api: ERROR cinder.volume.api Detected user call to delete in-use attachment. Call must come from the
#                  nova service and nova must be configured to send the service token. Bug #2004555
#      nova-compute: ERROR nova.volume.cinder Delete attachment failed ... ConflictNovaUsingAttachment
#    Fix: role `service` (created if absent) for the service users nova, cinder, glance, neutron, placement in
#    project service (what DevStack does). Fernet tokens get their roles when validated, so Nova's cached token
#    carries the role at once; cinder-api is restarted once (only when the role was just granted) to drop the
#    token validations keystonemiddleware cached for up to 5 minutes.
#
# Then: clean-up of leftovers of earlier test runs (networks occi-test-* no live test process owns, backups in
# `error`, stack-check-* leftovers) and the end-to-end check (SKIP_CHECK=1 skips it).
set -euo pipefail
START=$(date +%s.%N)
PW=secret RUN=/run/os-fake PY=/usr/bin/python3
KS=http://127.0.0.1:5000/v3 NOVA=http://127.0.0.1:8774/v2.1 NEUTRON=http://127.0.0.1:9696/v2.0 CINDER=http://127.0.0.1:8776/v3
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TMP=$(mktemp -d /tmp/stack-fixes.XXXXXX); trap 'rm -rf "$TMP"' EXIT
CLEANUP_MIN_AGE=${CLEANUP_MIN_AGE:-600}   # seconds: younger occi-test-* networks may belong to a run in progress

log() { echo "[stack-fixes $(date +%T)] $*"; }
warn() { echo "[stack-fixes $(date +%T)] WARN: $*" >&2; }
die() { echo "[stack-fixes $(date +%T)] FAIL: $*" >&2; exit 1; }
up() { curl -s -o /dev/null --max-time 3 "$1"; }
# wait_http URL CODES SECONDS: bounded poll until URL answers with one of CODES (regex)
wait_http() {
  local until=$(( $(date +%s) + $3 )) c
  while :; do
    c=$(curl -s -o /dev/null --max-time 3 -w '%{http_code}' "$1" || true)
    [[ "$c" =~ ^($2)$ ]] && return 0
    [ "$(date +%s)" -ge "$until" ] && die "$1 did not answer $2 within $3 s (last: $c)"
    sleep 0.5
  done
}
# api METHOD URL [JSON]: status in $CODE, body in $TMP/body
api() {
  local args=(-s -o "$TMP/body" -w '%{http_code}' --max-time 60 -X "$1" -H "X-Auth-Token: $TOKEN" -H 'Content-Type: application/json')
  [ $# -ge 3 ] && args+=(-d "$3")
  CODE=$(curl "${args[@]}" "$2") || CODE=000
}
jget() { $PY -c 'import json,sys; d=json.load(open(sys.argv[2])); print(eval(sys.argv[1]))' "$1" "$TMP/body"; }
body() { head -c 300 "$TMP/body"; }
admin_token() {
  curl -s -D "$TMP/hdr" -o "$TMP/body" --max-time 30 -H 'Content-Type: application/json' \
    -d "{\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":{\"user\":{\"name\":\"admin\",\"domain\":{\"id\":\"default\"},\"password\":\"$PW\"}}},\"scope\":{\"project\":{\"name\":\"admin\",\"domain\":{\"id\":\"default\"}}}}}" \
    "$KS/auth/tokens" || die "keystone does not answer"
  TOKEN=$(tr -d '\r' < "$TMP/hdr" | awk -F': ' 'tolower($1)=="x-subject-token"{print $2}')
  [ -n "$TOKEN" ] || die "no admin token from keystone: $(body)"
  PROJECT=$(jget 'd["token"]["project"]["id"]')
}
# ini_ensure FILE SECTION KEY=VALUE...: sets what differs (same parser as the up script's iniset); prints "changed" if it wrote
ini_ensure() { $PY - "$@" <<'PY'
import sys, configparser
f, s, kvs = sys.argv[1], sys.argv[2], sys.argv[3:]
c = configparser.RawConfigParser(strict=False, interpolation=None); c.optionxform = str; c.read(f)
if s != 'DEFAULT' and not c.has_section(s): c.add_section(s)
changed = False
for kv in kvs:
    k, v = kv.split('=', 1)
    if not c.has_option(s, k) or c.get(s, k) != v: c.set(s, k, v); changed = True
if changed:
    with open(f, 'w') as fh: c.write(fh)
    print('changed')
PY
}
# started NAME: epoch seconds the service in $RUN/NAME.pid started (0 when not running)
started() {
  local p; p=$(cat "$RUN/$1.pid" 2>/dev/null) || { echo 0; return; }
  local e; e=$(ps -o etimes= -p "$p" 2>/dev/null | tr -d ' ') || { echo 0; return; }
  echo $(( $(date +%s) - e ))
}
# restart USER NAME PORT CODES COMMAND...: stop the process in $RUN/NAME.pid (and its workers), start COMMAND the
# way the up script's bg() does (as USER, nohup, output to /var/log/USER/NAME.out -- appended here, so earlier
# logs survive -- and the PID in $RUN/NAME.pid, which openstack-fake-down.sh reads), wait for PORT to answer CODES
restart() {
  local user=$1 name=$2 port=$3 codes=$4; shift 4
  local f=$RUN/$name.pid pid pids t=$(date +%s.%N)
  if [ -e "$f" ]; then
    pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null && grep -qa -- "$name" "/proc/$pid/cmdline"; then
      pids=("$pid" $(pgrep -P "$pid" || true))
      kill -TERM "$pid"
      for i in $(seq 1 60); do kill -0 "${pids[@]}" 2>/dev/null || break; sleep 0.5; done   # <= 30 s
      for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && { warn "$name: PID $p did not stop on TERM, killing"; kill -KILL "$p" 2>/dev/null || true; }; done
    fi
    rm -f "$f"
  fi
  for i in $(seq 1 40); do up "http://127.0.0.1:$port/" || break; sleep 0.5; done   # port free, <= 20 s
  up "http://127.0.0.1:$port/" && die "$name stopped but port $port still answers"
  rm -f "/tmp/$name.pid"
  su -s /bin/sh "$user" -c "nohup $* >> /var/log/$user/$name.out 2>&1 & echo \$! > /tmp/$name.pid"
  mv "/tmp/$name.pid" "$f"
  wait_http "http://127.0.0.1:$port/" "$codes" 120
  log "$name restarted (PID $(cat "$f")) in $(printf '%.1f' "$(echo "$(date +%s.%N) - $t" | bc)") s"
}

# ---------------------------------------------------------------------------------------------------------------
[ "$(id -u)" = 0 ] || die "run as root"
for u in http://127.0.0.1:5000/v3 http://127.0.0.1:8774/ http://127.0.0.1:9696/ http://127.0.0.1:8776/; do
  up "$u" || die "$u does not answer: bring the stack up first (/work/shared/openstack/openstack-fake-up.sh)"
done
for n in neutron-server cinder-api; do [ -s "$RUN/$n.pid" ] || die "$RUN/$n.pid missing: was the stack started by openstack-fake-up.sh?"; done
if busy=$(pgrep -af 'test/openstack/[^ ]*\.test\.ts' | grep -v pgrep); then
  warn "OpenStack tests are running; a restart below makes their calls fail for a few seconds:"; echo "$busy" | sed 's/^/    /' >&2
fi
admin_token

# --- 1. neutron.conf [nova] + [placement], neutron-server restart --------------------------------------------------
CONF=/etc/neutron/neutron.conf; M=/etc/neutron/plugins/ml2/ml2_conf.ini
svc_creds() { echo auth_type=password auth_url=http://127.0.0.1:5000/v3 project_name=service project_domain_name=Default \
                   user_domain_name=Default username=$1 password=$PW region_name=RegionOne; }
c1=$(ini_ensure $CONF nova $(svc_creds nova)); c2=$(ini_ensure $CONF placement $(svc_creds placement))
[ -n "$c1$c2" ] && log "neutron.conf: [nova] and [placement] credentials written" || log "neutron.conf: [nova] and [placement] already set"
if [ "$(started neutron-server)" -lt "$(stat -c %Y $CONF)" ]; then
  restart neutron neutron-server 9696 200 /usr/bin/python3 -O /usr/bin/neutron-server --config-file $CONF --config-file $M
  # warm-up (README): Neutron's first query sets up its ORM mappers, else e.g. GET /ports answers 500
  for i in $(seq 1 20); do api GET "$NEUTRON/networks?limit=1"; [ "$CODE" = 200 ] && break; sleep 0.5; done
  [ "$CODE" = 200 ] || die "neutron warm-up GET /v2.0/networks -> $CODE: $(body)"
  log "neutron warm-up query -> 200"
else
  log "neutron-server already runs with this neutron.conf"
fi

# --- 2. role `service` for the service users, cinder-api restart when just granted --------------------------------
api GET "$KS/roles?name=service"; [ "$CODE" = 200 ] || die "GET roles -> $CODE: $(body)"
ROLE=$(jget 'd["roles"][0]["id"] if d["roles"] else ""')
if [ -z "$ROLE" ]; then
  api POST "$KS/roles" '{"role":{"name":"service"}}'; [ "$CODE" = 201 ] || die "POST role service -> $CODE: $(body)"
  ROLE=$(jget 'd["role"]["id"]'); log "keystone: role service created ($ROLE)"
fi
api GET "$KS/projects?name=service&domain_id=default"; [ "$CODE" = 200 ] || die "GET project service -> $CODE: $(body)"
SVCP=$(jget 'd["projects"][0]["id"] if d["projects"] else ""'); [ -n "$SVCP" ] || die "project service not found"
NOVA_GRANTED=0
for u in nova cinder glance neutron placement; do
  api GET "$KS/users?name=$u&domain_id=default"; [ "$CODE" = 200 ] || die "GET user $u -> $CODE: $(body)"
  uid=$(jget 'd["users"][0]["id"] if d["users"] else ""'); [ -n "$uid" ] || die "user $u not found"
  api GET "$KS/projects/$SVCP/users/$uid/roles/$ROLE"   # check: 204 granted, 404 not
  case "$CODE" in
    204|200) ;;
    404) api PUT "$KS/projects/$SVCP/users/$uid/roles/$ROLE"; [ "$CODE" = 204 ] || die "grant service to $u -> $CODE: $(body)"
         log "keystone: user $u granted role service on project service"; [ $u = nova ] && NOVA_GRANTED=1 ;;
    *) die "HEAD role assignment of $u -> $CODE" ;;
  esac
done
[ $NOVA_GRANTED = 0 ] && log "keystone: service users already have role service"
if [ $NOVA_GRANTED = 1 ] || [ "$(started cinder-api)" -lt "$(stat -c %Y /etc/cinder/cinder.conf)" ]; then
  restart cinder cinder-api 8776 '200|300' /usr/bin/cinder-api --config-file /etc/cinder/cinder.conf
fi

# --- 3. leftovers of earlier runs -------------------------------------------------------------------------------
admin_token
# networks occi-test-<kind>-<pid>-... of test processes that are gone, and older than CLEANUP_MIN_AGE; occi-test-external
# (no PID, reused by neutron.test.ts) only while no OpenStack test runs. stack-check-* networks always.
live_tests=$(pgrep -f 'test/openstack/[^ ]*\.test\.ts' || true)
api GET "$NEUTRON/networks"; [ "$CODE" = 200 ] || die "GET networks -> $CODE: $(body)"
$PY - "$TMP/body" "$CLEANUP_MIN_AGE" > "$TMP/nets" <<'PY'
import json, os, re, sys, time, calendar
nets = json.load(open(sys.argv[1]))['networks']; min_age = int(sys.argv[2])
for n in nets:
    name = n['name']
    if not (name.startswith('occi-test-') or name.startswith('stack-check-')): continue
    age = time.time() - calendar.timegm(time.strptime(n['created_at'], '%Y-%m-%dT%H:%M:%SZ'))
    m = re.match(r'(?:occi-test|stack-check)-(?:[a-z]+-)*?(\d+)-', name)
    pid = int(m.group(1)) if m else 0
    if pid and os.path.exists(f'/proc/{pid}'): why = f'process {pid} still runs'
    elif name.startswith('occi-test-') and age < min_age: why = f'only {int(age)} s old'
    else: why = ''
    print(n['id'], name, 'pid' if pid else 'nopid', why or '-', sep='\t')
PY
while IFS=$'\t' read -r id name haspid why; do
  [ "$why" != - ] && { log "keep network $name: $why"; continue; }
  [ "$haspid" = nopid ] && [ -n "$live_tests" ] && { log "keep network $name: OpenStack tests are running"; continue; }
  api DELETE "$NEUTRON/networks/$id"
  case "$CODE" in 204|404) log "network $name deleted -> $CODE";; *) warn "network $name ($id) not deleted -> $CODE: $(body)";; esac
done < "$TMP/nets"

# stack-check-* volumes and servers (a failed check leaves them; a volume may be stuck `detaching`)
api GET "$NOVA/servers?all_tenants=1&name=%5Estack-check-"
for sid in $( [ "$CODE" = 200 ] && jget '" ".join(s["id"] for s in d["servers"])'); do api DELETE "$NOVA/servers/$sid"; log "server $sid (stack-check) delete -> $CODE"; done
api GET "$CINDER/$PROJECT/volumes/detail?all_tenants=1"
for vid in $( [ "$CODE" = 200 ] && jget '" ".join(v["id"] for v in d["volumes"] if (v["name"] or "").startswith("stack-check-"))'); do
  api DELETE "$CINDER/$PROJECT/volumes/$vid"
  if [ "$CODE" = 400 ]; then
    api POST "$CINDER/$PROJECT/volumes/$vid/action" '{"os-reset_status":{"status":"available","attach_status":"detached"}}'
    api DELETE "$CINDER/$PROJECT/volumes/$vid"
  fi
  log "volume $vid (stack-check) delete -> $CODE"
done

# backups in `error`: deleting one needs a cinder-backup service, which this stack does not run
api GET "$CINDER/$PROJECT/backups/detail?all_tenants=1"; [ "$CODE" = 200 ] || die "GET backups -> $CODE: $(body)"
for bid in $(jget '" ".join(b["id"] for b in d["backups"] if b["status"]=="error")'); do
  api DELETE "$CINDER/$PROJECT/backups/$bid"
  if [ "$CODE" = 202 ]; then log "backup $bid (error) delete -> 202"
  elif grep -q 'Service cinder-backup' "$TMP/body"; then
    warn "backup $bid (error) cannot be deleted -> $CODE: $(body) -- Cinder hands a backup delete to a cinder-backup service and this stack runs none (the backup failed for the same reason: 'Service not found for creating backup')"
  else warn "backup $bid (error) not deleted -> $CODE: $(body)"; fi
done

log "fixes applied in $(printf '%.1f' "$(echo "$(date +%s.%N) - $START" | bc)") s"

# --- 4. verification ------------------------------------------------------------------------------------------------
if [ "${SKIP_CHECK:-0}" != 1 ]; then
  "$HERE/stack-check.sh" || die "verification failed (see above)"
fi
log "done in $(printf '%.1f' "$(echo "$(date +%s.%N) - $START" | bc)") s"
