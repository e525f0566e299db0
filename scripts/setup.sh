#!/usr/bin/env bash
# Sets up a fresh Debian machine for futures: system packages (MPI, network tools),
# pnpm at the pinned version, the workspace's dependencies, and a build of every package.
# Safe to run again: each step skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages the transports and their tests need (OpenMPI is the default MPI;
# MPICH is installed beside it to prove the addon builds against it too). With --bench,
# also the Python peers the benchmarks compare against (mpi4py.futures, Dask).
APT_PACKAGES=(openmpi-bin libopenmpi-dev mpich libmpich-dev iproute2 procps chromium fonts-dejavu-core)
if [ "${1:-}" = "--bench" ]; then APT_PACKAGES+=(python3-mpi4py python3-numpy python3-distributed); fi
missing=()
for p in "${APT_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PNPM_VERSION=$(node -p "require('./package.json').packageManager.split('@')[1]")
if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  echo "setup: installing pnpm@$PNPM_VERSION"
  npm install -g "pnpm@$PNPM_VERSION" >/dev/null
fi

export TURBO_TELEMETRY_DISABLED=1 npm_config_nodedir=/usr
pnpm install --frozen-lockfile
pnpm build
