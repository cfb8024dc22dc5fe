#!/bin/bash
# End-to-end check of the loopback OpenStack (see /work/shared/openstack) through the REST API with curl:
#   1. Neutron: create a network with a subnet, delete it           -> expect 204
#   2. Nova:    boot a server on net1 (image tiny, flavor m1.tiny)  -> expect ACTIVE
#   3. Cinder:  create a 1 GB volume, attach it, wait for in-use, detach it, wait for available
#   4. delete the volume and the server, wait until both are gone
# Every wait is bounded. Prints one line per step with its status and time; exits non-zero with a message on the
# first failure (what it created is deleted on the way out). Only talks to 127.0.0.1.
set -euo pipefail
KS=http://127.0.0.1:5000/v3 NOVA=http://127.0.0.1:8774/v2.1 NEUTRON=http://127.0.0.1:9696/v2.0 CINDER=http://127.0.0.1:8776/v3
GLANCE=http://127.0.0.1:9292/v2
PY=/usr/bin/python3
TMP=$(mktemp -d /tmp/stack-check.XXXXXX)
TAG=stack-check-$$
NET_ID= SRV_ID= VOL_ID= OK=0

now() { date +%s.%N; }
since() { printf '%.1f' "$(echo "$(now) - $1" | bc)"; }
say() { echo "[stack-check $(date +%T)] $*"; }
fail() { echo "[stack-check $(date +%T)] FAIL: $*" >&2; exit 1; }
# api METHOD URL [JSON]: status in $CODE, body in $TMP/body (Cinder rejects a foreign OpenStack-API-Version
# header with 400, so the compute microversion goes to Nova only)
api() {
  local args=(-s -o "$TMP/body" -w '%{http_code}' --max-time 60 -X "$1" -H "X-Auth-Token: $TOKEN"
              -H 'Content-Type: application/json')
  case "$2" in "$NOVA"*) args+=(-H 'OpenStack-API-Version: compute 2.79');; esac
  [ $# -ge 3 ] && args+=(-d "$3")
  CODE=$(curl "${args[@]}" "$2") || CODE=000
}
# jget PYTHON-EXPR: evaluate on the last body (bound to d)
jget() { $PY -c 'import json,sys; d=json.load(open(sys.argv[2])); print(eval(sys.argv[1]))' "$1" "$TMP/body"; }
body() { head -c 400 "$TMP/body"; }
# deadline SECONDS: sets $UNTIL; past: true once it has passed (every wait below is bounded by one)
deadline() { UNTIL=$(( $(date +%s) + $1 )); }
past() { [ "$(date +%s)" -ge "$UNTIL" ]; }
expect() { case " $* " in *" $CODE "*) ;; *) fail "$WHAT -> HTTP $CODE (expected $*): $(body)";; esac; }

cleanup() {
  local rc=$?
  if [ "$OK" != 1 ]; then
    [ -n "$SRV_ID" ] && { api DELETE "$NOVA/servers/$SRV_ID"; echo "  cleanup: server $SRV_ID delete -> $CODE" >&2; }
    if [ -n "$VOL_ID" ]; then
      api DELETE "$CINDER/$PROJECT/volumes/$VOL_ID"
      if [ "$CODE" = 400 ]; then   # stuck attaching/detaching: admin reset first (as _stack.ts deleteVolume does)
        api POST "$CINDER/$PROJECT/volumes/$VOL_ID/action" '{"os-reset_status":{"status":"available","attach_status":"detached"}}'
        api DELETE "$CINDER/$PROJECT/volumes/$VOL_ID"
      fi
      echo "  cleanup: volume $VOL_ID delete -> $CODE" >&2
    fi
    [ -n "$NET_ID" ] && { api DELETE "$NEUTRON/networks/$NET_ID"; echo "  cleanup: network $NET_ID delete -> $CODE" >&2; }
  fi
  rm -rf "$TMP"; exit $rc
}
trap cleanup EXIT

T_ALL=$(now)
# --- admin token (project-scoped) ---
curl -s -D "$TMP/hdr" -o "$TMP/body" --max-time 30 -H 'Content-Type: application/json' \
  -d '{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin","domain":{"id":"default"},"password":"secret"}}},"scope":{"project":{"name":"admin","domain":{"id":"default"}}}}}' \
  "$KS/auth/tokens" || fail "keystone $KS does not answer (is the stack up? run openstack-fake-up.sh)"
TOKEN=$(tr -d '\r' < "$TMP/hdr" | awk -F': ' 'tolower($1)=="x-subject-token"{print $2}')
[ -n "$TOKEN" ] || fail "no admin token from keystone: $(body)"
PROJECT=$(jget 'd["token"]["project"]["id"]')

# --- lookups ---
WHAT="GET image tiny"; api GET "$GLANCE/images?name=tiny"; expect 200
IMAGE=$(jget 'd["images"][0]["id"] if d["images"] else ""'); [ -n "$IMAGE" ] || fail "image tiny not found"
WHAT="GET flavors"; api GET "$NOVA/flavors"; expect 200
FLAVOR=$(jget '([f["id"] for f in d["flavors"] if f["name"]=="m1.tiny"]+[""])[0]'); [ -n "$FLAVOR" ] || fail "flavor m1.tiny not found"
WHAT="GET network net1"; api GET "$NEUTRON/networks?name=net1"; expect 200
NET1=$(jget 'd["networks"][0]["id"] if d["networks"] else ""'); [ -n "$NET1" ] || fail "network net1 not found"

# --- 1. Neutron network create + delete (SKIP_NETWORK=1 skips it) ---
if [ "${SKIP_NETWORK:-0}" != 1 ]; then
T=$(now); WHAT="POST network"; api POST "$NEUTRON/networks" "{\"network\":{\"name\":\"$TAG-net\"}}"; expect 201
NET_ID=$(jget 'd["network"]["id"]')
WHAT="POST subnet"; api POST "$NEUTRON/subnets" \
  "{\"subnet\":{\"name\":\"$TAG-sub\",\"network_id\":\"$NET_ID\",\"ip_version\":4,\"cidr\":\"198.51.100.0/24\",\"enable_dhcp\":false}}"; expect 201
T=$(now); WHAT="DELETE network $NET_ID"; api DELETE "$NEUTRON/networks/$NET_ID"; expect 204; NET_ID=
say "network create+subnet, DELETE /v2.0/networks/{id} -> $CODE in $(since "$T") s"
fi

# --- 2. server on net1 ---
T=$(now); WHAT="POST server"
api POST "$NOVA/servers" "{\"server\":{\"name\":\"$TAG-vm\",\"imageRef\":\"$IMAGE\",\"flavorRef\":\"$FLAVOR\",\"networks\":[{\"uuid\":\"$NET1\"}]}}"
expect 202; SRV_ID=$(jget 'd["server"]["id"]')
ST=; deadline 60
until past; do
  api GET "$NOVA/servers/$SRV_ID"; [ "$CODE" = 200 ] && ST=$(jget 'd["server"]["status"]')
  case "$ST" in ACTIVE|ERROR) break;; esac; sleep 0.5
done
[ "$ST" = ACTIVE ] || fail "server $SRV_ID is '$ST' after $(since "$T") s (expected ACTIVE): $(body)"
say "server on net1 -> ACTIVE in $(since "$T") s"

# --- 3. volume create, attach, detach ---
# vol_wait WANT SECONDS: poll the volume's status until WANT (error* stops early)
vol_wait() {
  local want=$1 t=$(now); VST=; deadline $2
  until past; do
    api GET "$CINDER/$PROJECT/volumes/$VOL_ID"; [ "$CODE" = 200 ] && VST=$(jget 'd["volume"]["status"]')
    [ "$VST" = "$want" ] && { WAITED=$(since "$t"); return 0; }
    case "$VST" in error*) break;; esac; sleep 0.5
  done
  fail "volume $VOL_ID is '$VST' after $(since "$t") s (expected $want)"
}
T=$(now); WHAT="POST volume"; api POST "$CINDER/$PROJECT/volumes" "{\"volume\":{\"name\":\"$TAG-vol\",\"size\":1}}"; expect 202
VOL_ID=$(jget 'd["volume"]["id"]'); vol_wait available 60
say "volume 1 GB -> available in $(since "$T") s"
T=$(now); WHAT="POST os-volume_attachments"
api POST "$NOVA/servers/$SRV_ID/os-volume_attachments" "{\"volumeAttachment\":{\"volumeId\":\"$VOL_ID\"}}"; expect 200
vol_wait in-use 60
say "attach -> HTTP 200, volume in-use in $(since "$T") s"
T=$(now); WHAT="DELETE os-volume_attachments/$VOL_ID"; api DELETE "$NOVA/servers/$SRV_ID/os-volume_attachments/$VOL_ID"; expect 202
vol_wait available 60
say "detach -> HTTP 202, volume available in $(since "$T") s"

# --- 4. delete volume and server ---
# gone_wait URL SECONDS: poll until 404
gone_wait() { deadline $2; until past; do api GET "$1"; [ "$CODE" = 404 ] && return 0; sleep 0.5; done; fail "$1 still there after $2 s: $(body)"; }
T=$(now); WHAT="DELETE volume"; api DELETE "$CINDER/$PROJECT/volumes/$VOL_ID"; expect 202
gone_wait "$CINDER/$PROJECT/volumes/$VOL_ID" 60; VOL_ID=
say "volume delete -> HTTP 202, gone in $(since "$T") s"
T=$(now); WHAT="DELETE server"; api DELETE "$NOVA/servers/$SRV_ID"; expect 204
gone_wait "$NOVA/servers/$SRV_ID" 60; SRV_ID=
say "server delete -> HTTP 204, gone in $(since "$T") s"

OK=1
say "OK: all checks passed in $(since "$T_ALL") s"
