#!/usr/bin/env bash
# Makes a base image for deploy/Containerfile where no container registry is
# reachable (only Debian's mirror): a Debian bookworm root file system from
# debootstrap, plus this machine's Node.js 20 and npm (and its headers, for
# better-sqlite3's build), a `node` user, and this machine's CA bundle (a
# TLS-inspecting proxy in front of the npm registry needs it).
#
#   sudo deploy/offline-base.sh [image]      # default localhost/node:20-bookworm-local
#   CONTAINER_BASE=localhost/node:20-bookworm-local npm run test:container
#
# Needs root, debootstrap and podman (apt-get install debootstrap podman).
set -euo pipefail
IMAGE="${1:-localhost/node:20-bookworm-local}"
ROOTFS="$(mktemp -d)"
trap 'rm -rf "$ROOTFS"' EXIT
NODE="$(command -v node)"
NODE_PREFIX="$(dirname "$(dirname "$(readlink -f "$NODE")")")"
case "$("$NODE" --version)" in v20.*) ;; *) echo "needs Node.js 20 on this machine, found $("$NODE" --version)" >&2; exit 1 ;; esac

debootstrap --variant=minbase bookworm "$ROOTFS" http://deb.debian.org/debian
install -m 0755 "$(readlink -f "$NODE")" "$ROOTFS/usr/bin/node"
mkdir -p "$ROOTFS/usr/lib/node_modules" "$ROOTFS/usr/include"
cp -a "$NODE_PREFIX/lib/node_modules/npm" "$ROOTFS/usr/lib/node_modules/"
cp -a "$NODE_PREFIX/include/node" "$ROOTFS/usr/include/"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$ROOTFS/usr/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$ROOTFS/usr/bin/npx"
mkdir -p "$ROOTFS/etc/ssl/certs" && cp /etc/ssl/certs/ca-certificates.crt "$ROOTFS/etc/ssl/certs/"
chroot "$ROOTFS" groupadd -g 1000 node
chroot "$ROOTFS" useradd -u 1000 -g node -m -s /bin/bash node
rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/*
tar -C "$ROOTFS" -c . | podman import \
  --change 'CMD ["node"]' \
  --change 'ENV npm_config_nodedir=/usr' \
  --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
  - "$IMAGE"
echo "made $IMAGE"
