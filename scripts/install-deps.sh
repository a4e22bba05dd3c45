#!/usr/bin/env bash
# Installs every build and test dependency from Debian packages. Idempotent, and a fast
# no-op when everything is already present (make calls it before every build).
set -euo pipefail

packages=(
  g++ cmake ninja-build ccache pkg-config make
  libsqlite3-dev libboost-dev libmbedtls-dev libnftnl-dev libmnl-dev nlohmann-json3-dev
  libgtest-dev clang-14 libclang-rt-14-dev
  curl dnsutils dnsmasq-base iproute2 nftables procps python3 openssl
  nginx-light wrk
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if ((${#missing[@]})); then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  echo "install-deps: installing ${missing[*]}"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# kubectl 1.32 ships on these machines; elsewhere fall back to Debian's client.
if ! command -v kubectl >/dev/null; then
  echo "install-deps: kubectl not found; installing Debian's kubernetes-client instead (its version may differ from 1.32)"
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq kubernetes-client >/dev/null || {
    echo "install-deps: kubernetes-client is not available; kubectl tests will fail" >&2; exit 1; }
fi
