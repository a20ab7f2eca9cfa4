#!/bin/sh
# The trial of deploy/compose.yaml on this machine: bring the stack up from
# the images build-images.sh made (or, with TRIAL_IMAGES=official, the
# official ones), run smoke.py against it through nginx, tear it all down
# (containers, network, volumes). docs/deploy.md, "Trying the stack".
#
#   deploy/offline/trial.sh          # from the repository root
#
# It touches neither deploy/.env nor deploy/certs: a throwaway environment,
# a self-signed certificate for MEETINGS_HOST, its own project name, ports
# and subnet (TRIAL_PROJECT, TRIAL_HTTP_PORT, TRIAL_HTTPS_PORT, TRIAL_SUBNET,
# APP_REPLICAS).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PROJECT=${TRIAL_PROJECT:-meetings-trial}
if docker compose version >/dev/null 2>&1; then
    COMPOSE="docker compose"
elif command -v docker-compose >/dev/null; then
    COMPOSE=docker-compose
else
    echo "neither docker compose nor docker-compose is installed" >&2
    exit 2
fi

WORK=$(mktemp -d)
export MEETINGS_HOST=meet.trial.test
SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')
POSTGRES_PASSWORD=$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')
export SECRET_KEY POSTGRES_PASSWORD
export APP_REPLICAS=${APP_REPLICAS:-2}
export HTTP_PORT=${TRIAL_HTTP_PORT:-18080} HTTPS_PORT=${TRIAL_HTTPS_PORT:-18443}
export COMPOSE_SUBNET=${TRIAL_SUBNET:-172.30.77.0/24}
export CERTS_DIR="$WORK/certs"
if [ "${TRIAL_IMAGES:-offline}" = offline ]; then
    export POSTGRES_IMAGE=${POSTGRES_IMAGE:-union-meetings/postgres:15}
    export REDIS_IMAGE=${REDIS_IMAGE:-union-meetings/redis:7}
    export NGINX_IMAGE=${NGINX_IMAGE:-union-meetings/nginx:1.22}
    for image in "$POSTGRES_IMAGE" "$REDIS_IMAGE" "$NGINX_IMAGE" "${APP_IMAGE:-union-meetings:latest}"; do
        docker image inspect "$image" >/dev/null 2>&1 \
            || { echo "no image $image: run deploy/offline/build-images.sh first" >&2; exit 2; }
    done
fi
: > "$WORK/env"    # not deploy/.env
dc() { $COMPOSE -f "$ROOT/deploy/compose.yaml" --env-file "$WORK/env" -p "$PROJECT" "$@"; }

teardown() {
    status=$?
    if [ "$status" != 0 ]; then
        dc ps || true
        dc logs --tail 40 || true
    fi
    started=$(date +%s)
    dc down --volumes --remove-orphans --timeout 20 || true
    echo "torn down in $(( $(date +%s) - started )) s"
    rm -rf "$WORK"
    exit "$status"
}
trap teardown EXIT
trap 'exit 130' INT TERM

mkdir "$CERTS_DIR"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj "/CN=$MEETINGS_HOST" -addext "subjectAltName=DNS:$MEETINGS_HOST" \
    -keyout "$CERTS_DIR/privkey.pem" -out "$CERTS_DIR/fullchain.pem" 2>/dev/null
chmod 644 "$CERTS_DIR/privkey.pem"    # nginx's master reads it as root; throwaway key

started=$(date +%s)
dc up -d --no-build
echo "up in $(( $(date +%s) - started )) s"
dc ps

PASSWORD=$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')
dc exec -T -e DJANGO_SUPERUSER_PASSWORD="$PASSWORD" app \
    python manage.py createsuperuser --noinput --username trial --email trial@example.org \
    --full_name Trial

# The demo union and meeting (public passwords: this stack is thrown away).
dc exec -T app python manage.py seed_demo --json --force > "$WORK/demo.json"

python3 "$HERE/smoke.py" --demo "$WORK/demo.json" --host "$MEETINGS_HOST" --https-port "$HTTPS_PORT" \
    --http-port "$HTTP_PORT" --cafile "$CERTS_DIR/fullchain.pem" \
    --replicas "$APP_REPLICAS" --project "$PROJECT" --username trial --password "$PASSWORD"
