#!/usr/bin/env bash
# A stand-in for python:3.11-slim-bookworm where no image registry answers, made from Debian's
# own packages: debootstrap (minbase) + Debian's Python 3.11 + ca-certificates, netbase, tzdata,
# with bookworm-updates and bookworm-security applied and docs/man pages/locales left out (as in
# Debian's slim images). Prints the local image's name.
#
# Made once, then cached twice, so CI on the same machine does not redo it:
#   - as a local image in buildah's storage: localhost/mfe-python:3.11-bookworm-<recipe>
#   - as an OCI archive under ${XDG_CACHE_HOME:-~/.cache}/mfe/image/ (restored in seconds when the
#     local image was removed)
# <recipe> is a hash of this file: changing the recipe makes a new base. The base is remade
# when older than MFE_BASE_MAX_AGE_DAYS (30) for security updates, or when MFE_BASE_REFRESH=1.
#
# Differences from the official image: Python is Debian's (/usr/bin/python3.11, 3.11.2 with
# Debian's patches, not /usr/local/bin/python3.11), there is no system pip (python3 -m venv
# brings one), and python3 has no `python` alias. The Dockerfile depends on none of these.
set -euo pipefail

SUITE=bookworm
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
PACKAGES=python3,python3-venv,ca-certificates,netbase,tzdata
MAX_AGE_DAYS=${MFE_BASE_MAX_AGE_DAYS:-30}
CACHE_DIR=${XDG_CACHE_HOME:-$HOME/.cache}/mfe/image

recipe=$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-12)
name=localhost/mfe-python:3.11-$SUITE-$recipe
archive=$CACHE_DIR/mfe-python-3.11-$SUITE-$recipe.oci.tar

buildah() { command buildah --storage-driver vfs "$@"; }
log() { echo "debian-base: $*" >&2; }

# One maker at a time (a CI run and a developer's `make image` may both get here).
mkdir -p "$CACHE_DIR"
exec 9>"$CACHE_DIR/base.lock"
flock 9

stale() {
  [[ -n ${MFE_BASE_REFRESH:-} ]] \
    || { [[ -f $archive ]] && [[ -n $(find "$archive" -mtime "+$MAX_AGE_DAYS" -print) ]]; }
}

if ! stale; then
  if buildah inspect --type image "$name" >/dev/null 2>&1; then
    if [[ ! -f $archive ]]; then
      buildah push --quiet "$name" "oci-archive:$archive"
    fi
    echo "$name"
    exit 0
  fi
  if [[ -f $archive ]]; then
    log "restoring $name from $archive"
    buildah tag "$(buildah pull --quiet "oci-archive:$archive")" "$name"
    echo "$name"
    exit 0
  fi
fi

# Exit status 3: no base can be made here (the image test skips on it).
if ! command -v debootstrap >/dev/null; then
  log "debootstrap is missing (apt-get install debootstrap)"
  exit 3
fi
[[ $(id -u) == 0 ]] || { log "debootstrap needs root"; exit 3; }

work=$(mktemp -d "${TMPDIR:-/tmp}/mfe-base.XXXXXX")
container=
cleanup() {
  [[ -n $container ]] && buildah rm "$container" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

log "debootstrap $SUITE ($PACKAGES) from $MIRROR"
rootfs=$work/rootfs
debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$rootfs" "$MIRROR" \
  >"$work/debootstrap.log" 2>&1 || { tail -20 "$work/debootstrap.log" >&2; exit 1; }

# Debian's slim images: no docs (but the copyright files), man pages or translations, now or
# after later installs; apt keeps no downloaded packages.
cat >"$rootfs/etc/dpkg/dpkg.cfg.d/slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
EOF
cat >"$rootfs/etc/apt/apt.conf.d/slim" <<'EOF'
APT::Install-Recommends "false";
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };
EOF
rm -f "$rootfs/etc/apt/sources.list"
cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $MIRROR
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $SECURITY_MIRROR
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
tar -C "$rootfs" --numeric-owner --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' \
  -cf "$work/rootfs.tar" .
rm -rf "$rootfs"

log "importing into buildah, applying $SUITE-updates and $SUITE-security"
container=$(buildah from scratch)
buildah add --quiet "$container" "$work/rootfs.tar" / >/dev/null
buildah run --isolation chroot "$container" -- sh -euc '
  export DEBIAN_FRONTEND=noninteractive DEBCONF_NOWARNINGS=yes
  apt-get update -q >/dev/null
  apt-get upgrade -y -q >/dev/null
  apt-get clean
  rm -rf /var/lib/apt/lists/* /var/log/apt/* /var/log/dpkg.log /var/cache/debconf/*-old \
    /usr/share/man/* /usr/share/info/* /usr/share/locale/* /usr/share/groff/* /usr/share/lintian/*
  find /usr/share/doc -mindepth 1 -not -name copyright -not -type d -delete
  find /usr/share/doc -mindepth 1 -type d -empty -delete
  python3 --version >/dev/null
'
buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --env LANG=C.UTF-8 --cmd python3 \
  --label org.opencontainers.image.description="Debian $SUITE + Debian's Python 3.11 (debootstrap)" \
  --label mfe.base.recipe="$recipe" "$container"
buildah commit --quiet --rm "$container" "$name" >/dev/null
container=

rm -f "$CACHE_DIR"/mfe-python-3.11-"$SUITE"-*.oci.tar
buildah push --quiet "$name" "oci-archive:$archive"
# Older bases (another recipe, or remade for age) are no longer needed by anything.
for old in $(buildah images --format '{{.Name}}:{{.Tag}}'); do
  if [[ $old == localhost/mfe-python:* && $old != "$name" ]]; then
    buildah rmi "$old" >/dev/null 2>&1 || true
  fi
done
log "made $name ($(du -h "$archive" | cut -f1) archive)"
echo "$name"
