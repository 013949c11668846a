#!/usr/bin/env bash
# Sets up mydocker on a fresh Debian/Ubuntu machine (as root) and runs a first container.
#   apt packages the engine needs at run and build time, npm ci, the build, a `mydocker` link on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "mydocker setup: run as root (containers need root): sudo bash scripts/setup.sh" >&2
  exit 1
fi

# busybox-static: the default busybox image; gcc + libseccomp-dev: the native helper; iptables, iproute2:
# bridge networks; util-linux (nsenter, script), procps (ps): e2e tests; runc: the benchmark's baseline;
# docker-registry, skopeo: registry tests and the pull benchmark; zstd: zstd-compressed image layers;
# strace: the registry-mirror test shows which hosts a pull connects to; openssl: test CAs and token keys;
# podman + conmon, containerd, crun: the engines and runtimes mydocker-oci is tested with and benched against;
# docker.io (only its docker client is used, at /usr/bin/docker; dockerd is never started), docker-compose:
# the Engine API is tested with the clients people use; clang-format: `npm run format:check` (CI) checks the
# native helpers' C; libjson-c-dev: mydocker-oci's native front parses config.json with json-c (static).
APT_PACKAGES=(busybox-static gcc make libc6-dev libseccomp-dev iptables iproute2 util-linux procps attr runc ca-certificates docker-registry skopeo zstd strace openssl podman conmon containerd crun docker.io docker-compose clang-format libjson-c-dev)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "mydocker setup: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v node >/dev/null || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  echo "mydocker setup: Node.js 20 or newer is needed (apt-get install nodejs, or nodesource)." >&2
  exit 1
fi

npm ci --no-audit --no-fund --loglevel=error
npm run build --silent
ln -sf "$PWD/packages/cli/bin/mydocker" /usr/local/bin/mydocker

if [ "${MYDOCKER_SETUP_SKIP_DEMO:-}" != "1" ]; then
  echo "mydocker setup: done. A first container from the default busybox image:"
  mydocker run --rm busybox echo "hello from a mydocker container"
fi
