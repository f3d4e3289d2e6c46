#!/bin/sh
# Installs the Debian packages the station needs to build, test and run, and only those that are
# missing: a machine that has them all is left alone (no apt-get, no root needed). CI runs this as
# root on a clean clone; a developer without root gets the exact apt-get line to run.
set -eu

PKGS="cmake make gcc pkg-config clang libclang-rt-14-dev \
libserialport-dev libsdl2-dev libsdl2-ttf-dev libsqlite3-dev libcairo2-dev libinih-dev libmd-dev \
fonts-dejavu-core fonts-droid-fallback libpango1.0-dev xvfb x11-utils poppler-utils zlib1g-dev \
libpq-dev postgresql openssl python3-serial"

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

# node and npm run the FHIR schema check (tools/fhir-validate.js): Debian's nodejs and npm, unless a
# node with its own npm is already installed.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    missing="$missing nodejs npm"
fi

[ -z "$missing" ] && exit 0

echo "station: installing missing Debian packages:$missing"
if [ "$(id -u)" = 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "station: these packages are missing and this user cannot install them:$missing" >&2
    echo "station: run as root: apt-get update && apt-get install -y$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
