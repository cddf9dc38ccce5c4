#!/usr/bin/env bash
# One command from a fresh machine to a booted Guest: install what
# lguest-emu needs, build it (Debug, into build/), and boot the default
# Guest.  Debian 12 needs Unicorn >= 2.1.1, which Debian 13 ships: we add
# Debian 13's archive with a pin so that only the two Unicorn packages come
# from it.  Elsewhere we use what the distribution has.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

have_unicorn() {
  pkg-config --exists 'unicorn >= 2.1.1' 2>/dev/null
}

install_debian() {
  local codename
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  if [ "$codename" = "bookworm" ] && ! have_unicorn; then
    echo "bootstrap: Debian 12: taking libunicorn-dev 2.1.1 from Debian 13 (pinned)"
    $SUDO tee /etc/apt/sources.list.d/lguest-emu-trixie.sources >/dev/null <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    $SUDO tee /etc/apt/preferences.d/lguest-emu-unicorn >/dev/null <<'PIN'
Package: *
Pin: release n=trixie
Pin-Priority: 100

Package: libunicorn2t64 libunicorn-dev
Pin: release n=trixie
Pin-Priority: 990
PIN
  fi
  # An index that fails to refresh (a mirror mid-sync, a foreign
  # architecture) need not stop us: the install below says if it matters.
  $SUDO apt-get update -qq || echo "bootstrap: warning: apt-get update had errors; trying the install anyway" >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
    build-essential cmake pkg-config gcc-multilib gdb \
    libunicorn-dev libcapstone-dev libcmocka-dev libslirp-dev >/dev/null
}

# Everything already here?  Then there is nothing to install.
have_all() {
  have_unicorn && pkg-config --exists capstone cmocka 2>/dev/null &&
    { pkg-config --exists slirp 2>/dev/null || [ -f /usr/include/slirp/libslirp.h ]; } &&
    command -v cmake >/dev/null && command -v gdb >/dev/null &&
    echo 'int main(void){return 0;}' | gcc -m32 -x c - -o /dev/null 2>/dev/null
}

if [ "${LGUEST_EMU_SKIP_INSTALL:-0}" != 1 ] && ! have_all; then
  if command -v apt-get >/dev/null; then
    install_debian
  elif ! have_unicorn; then
    echo "bootstrap: install Unicorn >= 2.1.1, Capstone, cmocka, cmake and a gcc that can build -m32, then rerun" >&2
    exit 1
  fi
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build -j"$(nproc)"
echo "bootstrap: booting the default Guest: build/src/launcher/lguest-emu 32 build/guests/hello.bzImage"
build/src/launcher/lguest-emu 32 build/guests/hello.bzImage
