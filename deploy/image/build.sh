#!/usr/bin/env bash
# `make image`: the production image from the Dockerfile with buildah, no Docker engine needed.
#   deploy/image/build.sh [NAME]      NAME: $MFE_IMAGE or mfe-platform:latest
# The base is python:3.11-slim-bookworm when it is in buildah's storage or a registry answers
# (MFE_PYTHON_IMAGE names another), else deploy/image/debian-base.sh's cached Debian stand-in.
#
# buildah runs with --isolation chroot and the vfs storage driver (what works on these machines;
# /var/lib/containers/storage). With vfs every build step copies the whole file system, so the
# build does not keep a layer per step (--layers): measured here, a build that reused every cached
# layer took longer (185-300 s) than one that keeps none (75 s). What is worth keeping is kept
# outside the image instead: the base (cached by debian-base.sh) and uv's downloads (a volume,
# ${XDG_CACHE_HOME:-~/.cache}/mfe/image/uv). The image the name pointed to before is removed.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
IMAGE=${1:-${MFE_IMAGE:-mfe-platform:latest}}
OFFICIAL=docker.io/library/python:3.11-slim-bookworm
UV_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/mfe/image/uv
PULL_TIMEOUT_SECONDS=${MFE_PULL_TIMEOUT_SECONDS:-60}

buildah() { command buildah --storage-driver vfs "$@"; }
log() { echo "image: $*" >&2; }

# Exit status 3: buildah or a base image cannot be had here.
command -v buildah >/dev/null || { log "buildah is missing (apt-get install buildah)"; exit 3; }

base_image() {
  if [[ -n ${MFE_PYTHON_IMAGE:-} ]]; then
    echo "$MFE_PYTHON_IMAGE"
  elif buildah inspect --type image "$OFFICIAL" >/dev/null 2>&1; then
    echo "$OFFICIAL"
  elif pulled=$(timeout "$PULL_TIMEOUT_SECONDS" buildah pull --quiet "$OFFICIAL" 2>&1); then
    echo "$OFFICIAL"
  else
    log "cannot pull $OFFICIAL (${pulled##*$'\n'}); using the Debian stand-in"
    "$ROOT/deploy/image/debian-base.sh"
  fi
}

# The host's CA bundle over the image's during RUN steps (not stored in any layer): a build behind
# a TLS-inspecting proxy reaches PyPI as the host does. MFE_BUILD_CA_BUNDLE= turns it off.
ca_bundle=${MFE_BUILD_CA_BUNDLE-/etc/ssl/certs/ca-certificates.crt}
ca_volume=()
if [[ -n $ca_bundle && -f $ca_bundle ]]; then
  ca_volume=(--volume "$ca_bundle:/etc/ssl/certs/ca-certificates.crt:ro")
fi

mkdir -p "$UV_CACHE"
base=$(base_image)
log "building $IMAGE from $base"
started=$SECONDS
previous=$(buildah images --quiet --no-trunc "$IMAGE" 2>/dev/null || true)
buildah build --isolation chroot --format docker --layers=false --force-rm --pull=never \
  "${ca_volume[@]}" --build-arg UV_NO_CACHE=0 --volume "$UV_CACHE:/root/.cache/uv" \
  --build-arg "PYTHON_IMAGE=$base" --tag "$IMAGE" --file "$ROOT/Dockerfile" "$ROOT"
# The image the name pointed to before, unless something still uses it.
if [[ -n $previous && $previous != "$(buildah images --quiet --no-trunc "$IMAGE")" ]]; then
  buildah rmi "$previous" >/dev/null 2>&1 || log "kept the previous $IMAGE: still in use"
fi
log "built $IMAGE in $((SECONDS - started)) s, $(buildah images --format '{{.Size}}' "$IMAGE")"
