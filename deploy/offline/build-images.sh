#!/bin/sh
# Build every image deploy/compose.yaml needs from Debian packages, for a
# server that reaches no container registry (docs/deploy.md, "Without a
# container registry"). What it needs instead: debootstrap, a Docker daemon,
# a Debian mirror (DEBIAN_MIRROR: deb.debian.org or the site's own), and for
# the app image PyPI and the npm registry (as `make install` needs them;
# EXTRA_CA_CERTS="/path/ca.crt ..." when a TLS-inspecting proxy or the site's
# own authority stands between).
#
#   sudo deploy/offline/build-images.sh        # from the repository root
#
# Images (each skipped if it exists; FORCE=1 builds them again):
#   union-meetings/debian:bookworm   debootstrap --variant=minbase, docker import
#   union-meetings/python:3.11       + python3 3.11 in a venv at /opt/venv
#   union-meetings/postgres:15       + postgresql-15, entrypoint as the official image's
#   union-meetings/redis:7           + redis-server 7.0
#   union-meetings/nginx:1.22        + nginx 1.22, /etc/nginx/templates filled in
#   union-meetings:latest            deploy/Dockerfile on union-meetings/python:3.11
# Then put the names in deploy/.env (it prints the lines).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
PREFIX=${IMAGE_PREFIX:-union-meetings}
APP_IMAGE=${APP_IMAGE:-union-meetings:latest}
FORCE=${FORCE:-0}
# The builds fetch packages: host networking spares a bridge and NAT (and
# works where the bridge has no route out).
BUILD="docker build --network host --force-rm"

have() { [ "$FORCE" != 1 ] && docker image inspect "$1" >/dev/null 2>&1; }
step() { printf '\n== %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }

step "$PREFIX/debian:bookworm"
if have "$PREFIX/debian:bookworm"; then
    echo "exists"
else
    command -v debootstrap >/dev/null || { echo "debootstrap is not installed (apt-get install debootstrap)" >&2; exit 1; }
    ROOTFS=$(mktemp -d /var/tmp/meetings-rootfs.XXXXXX)
    trap 'rm -rf "$ROOTFS"' EXIT
    debootstrap --variant=minbase bookworm "$ROOTFS" "$MIRROR"
    cat > "$ROOTFS/etc/apt/sources.list" <<SOURCES
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb $SECURITY_MIRROR bookworm-security main
SOURCES
    # As Debian's own images: no recommends, no documentation, no apt cache.
    printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' \
        > "$ROOTFS/etc/apt/apt.conf.d/90norecommends"
    cat > "$ROOTFS/etc/dpkg/dpkg.cfg.d/90nodoc" <<'NODOC'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
NODOC
    cat > "$ROOTFS/etc/apt/apt.conf.d/90docker-clean" <<'CLEAN'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
CLEAN
    rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/cache/apt/*.bin "$ROOTFS"/var/lib/apt/lists/* \
        "$ROOTFS"/usr/share/man/* "$ROOTFS"/usr/share/info/*
    find "$ROOTFS/usr/share/doc" -mindepth 1 ! -name copyright ! -type d -delete
    find "$ROOTFS/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
    tar -C "$ROOTFS" -c . | docker import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'ENV LANG=C.UTF-8' \
        --change 'CMD ["bash"]' \
        - "$PREFIX/debian:bookworm"
    rm -rf "$ROOTFS"
    trap - EXIT
fi

for image in python:3.11 postgres:15 redis:7 nginx:1.22; do
    step "$PREFIX/$image"
    name=${image%%:*}
    if have "$PREFIX/$image"; then
        echo "exists"
        continue
    fi
    context=$(mktemp -d)
    cp -R "$HERE/$name/." "$context/"
    if [ "$name" = python ]; then
        # A proxy's or the site's own certificate authority, trusted by pip
        # and urllib in the app image (EXTRA_CA_CERTS: PEM files).
        mkdir -p "$context/extra-ca"
        touch "$context/extra-ca/.keep"
        for cert in ${EXTRA_CA_CERTS:-}; do
            cp "$cert" "$context/extra-ca/$(basename "$cert" .crt).crt"
        done
    fi
    $BUILD --build-arg "BASE_IMAGE=$PREFIX/debian:bookworm" -t "$PREFIX/$image" "$context" \
        || { rm -rf "$context"; exit 1; }
    rm -rf "$context"
done

step "$APP_IMAGE"
if have "$APP_IMAGE"; then
    echo "exists"
else
    $BUILD --build-arg "BASE_IMAGE=$PREFIX/python:3.11" -t "$APP_IMAGE" -f "$ROOT/deploy/Dockerfile" "$ROOT"
fi

step "done"
docker image ls --format '{{.Repository}}:{{.Tag}}\t{{.Size}}' | grep "^$PREFIX" || true
cat <<LINES

# For deploy/.env (docker compose then pulls nothing):
POSTGRES_IMAGE=$PREFIX/postgres:15
REDIS_IMAGE=$PREFIX/redis:7
NGINX_IMAGE=$PREFIX/nginx:1.22
APP_IMAGE=$APP_IMAGE
LINES
