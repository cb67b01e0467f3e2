# Sourced by scripts/compose-test.sh: builds every image the compose test runs, without a
# registry. Each stand-in is reused when it exists (delete it with `docker rmi` to rebuild);
# the app image is built on every run, from the binary CI just compiled.

BASE_IMAGE=tracebook-standin/debian:bookworm-minbase
POSTGRES_IMAGE=tracebook-standin/postgres:15
REDIS_IMAGE=tracebook-standin/redis:7.0
CADDY_IMAGE=tracebook-standin/caddy:2.6
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

have_image() { docker image inspect "$1" >/dev/null 2>&1; }

# The classic builder: no BuildKit frontend to pull, and with `--target` it stops at that
# stage, so the Dockerfile's Rust stage (which needs the rust image) is never started.
# Its deprecation notice is printed only when the build fails.
classic_build() {
  local out
  out=$(DOCKER_BUILDKIT=0 docker build -q "$@" 2>&1) || { printf '%s\n' "$out"; return 1; }
}

# A debian:bookworm-slim-like base: debootstrap minbase, imported as an image.
build_base_image() {
  have_image "$BASE_IMAGE" && return 0
  local root
  root=$(mktemp -d)
  debootstrap --variant=minbase bookworm "$root/fs" "$DEBIAN_MIRROR" >"$root/debootstrap.log" 2>&1 \
    || { tail -n 20 "$root/debootstrap.log"; rm -rf "$root"; return 1; }
  # What the slim image does too: no services started by package scripts, no recommends,
  # no apt cache kept.
  printf '#!/bin/sh\nexit 101\n' >"$root/fs/usr/sbin/policy-rc.d"
  chmod +x "$root/fs/usr/sbin/policy-rc.d"
  printf 'APT::Install-Recommends "false";\n' >"$root/fs/etc/apt/apt.conf.d/90standin"
  printf 'deb %s bookworm main\ndeb %s bookworm-updates main\n' "$DEBIAN_MIRROR" "$DEBIAN_MIRROR" \
    >"$root/fs/etc/apt/sources.list"
  rm -rf "$root"/fs/var/lib/apt/lists/* "$root"/fs/var/cache/apt/archives/*.deb
  tar -C "$root/fs" -c . | docker import \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'CMD ["bash"]' - "$BASE_IMAGE" >/dev/null
  rm -rf "$root"
}

build_standin() { # IMAGE FOLDER
  have_image "$1" && return 0
  classic_build --build-arg "BASE=$BASE_IMAGE" -t "$1" "tests/compose/images/$2"
}

# The app image: the Dockerfile's runtime stage with a prebuilt binary (target `prebuilt`),
# so the runtime stage users get is what runs; only the binary's origin differs.
build_app_image() { # TAG BINARY UID GID
  local context
  context=$(mktemp -d)
  # Debug info is most of a debug binary's size; the image needs none of it.
  objcopy --strip-debug "$2" "$context/tracebook"
  cp Dockerfile "$context/Dockerfile"
  classic_build --target prebuilt --build-arg "RUNTIME_BASE=$BASE_IMAGE" \
    --build-arg "UID=$3" --build-arg "GID=$4" -t "$1" "$context"
  local rc=$?
  rm -rf "$context"
  return $rc
}
