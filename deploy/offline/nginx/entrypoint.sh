#!/bin/sh
# The official nginx image's 20-envsubst-on-templates.sh, in short:
# /etc/nginx/templates/NAME.template -> /etc/nginx/conf.d/NAME, with only
# the variables defined in the environment substituted.
set -e
if [ "$1" = nginx ]; then
    defined=$(printf '${%s} ' $(env | cut -d= -f1))
    for template in /etc/nginx/templates/*.template; do
        [ -f "$template" ] || continue
        output=/etc/nginx/conf.d/$(basename "$template" .template)
        envsubst "$defined" < "$template" > "$output"
        echo "$0: $template -> $output"
    done
fi
exec "$@"
