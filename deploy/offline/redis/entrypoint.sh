#!/bin/sh
# As the official image: without a configuration file, Redis listens on
# every interface of the container and (there being no password on the
# compose network, which only the app reaches) protected mode is off.
set -e
if [ "${1#-}" != "$1" ]; then
    set -- redis-server "$@"
fi
if [ "$1" = redis-server ]; then
    shift
    set -- redis-server --bind '*' --protected-mode no "$@"
fi
exec "$@"
