#!/bin/bash
# The official redis image's contract: `redis-server ARGS` (or bare `--flags`, which get
# redis-server prepended), data in /data, run as the redis user, protected mode off (who may
# connect is the network's and `--requirepass`'s business).
set -euo pipefail
if [ "${1#-}" != "$1" ]; then
  set -- redis-server "$@"
fi
if [ "$1" = redis-server ] && [ "$(id -u)" = 0 ]; then
  chown -R redis:redis /data
  shift
  exec setpriv --reuid=redis --regid=redis --init-groups redis-server --protected-mode no "$@"
fi
exec "$@"
