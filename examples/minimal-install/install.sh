#!/bin/sh
# Packs the minimal mydocker set from this repository, installs it from the tarballs into an empty
# folder, and runs a container with the installed binary.
#
#   examples/minimal-install/install.sh [TARGET]      (as root; TARGET defaults to a new /tmp folder)
#
# Set NO_BUILD=1 to pack the current dist/ folders without rebuilding them first.
set -eu

packages="@mydocker/core @mydocker/cli @mydocker/namespaces @mydocker/state-store @mydocker/aufs-storage @mydocker/images"

if [ "$(id -u)" -ne 0 ]; then
  echo "install.sh: run me as root (containers need namespaces and mounts)." >&2
  exit 1
fi

repo=$(cd "$(dirname "$0")/../.." && pwd)
target=${1:-$(mktemp -d /tmp/mydocker-minimal-XXXXXX)}
mkdir -p "$target"
target=$(cd "$target" && pwd)
if [ -e "$target/node_modules" ]; then
  echo "install.sh: $target already holds an install; name an empty folder." >&2
  exit 1
fi
case "$target/" in
  "$repo"/*) echo "install.sh: install outside the repository, or the workspace's node_modules would be found." >&2; exit 1 ;;
esac

echo "==> packing $packages"
mkdir -p "$target/packs"
workspaces=""
for p in $packages; do workspaces="$workspaces -w $p"; done
ignore_scripts=""
[ "${NO_BUILD:-}" = 1 ] && ignore_scripts=--ignore-scripts
# Each package's prepack script builds it (tsc; gcc for the namespaces helper) before it is packed.
(cd "$repo" && npm pack $ignore_scripts --loglevel=error --pack-destination "$target/packs" $workspaces >/dev/null)

echo "==> installing into $target"
# Every @mydocker package comes from its tarball; yargs, tapable, tsyringe... from the npm cache or registry.
(cd "$target" && npm install --prefer-offline --no-audit --no-fund --loglevel=error ./packs/*.tgz)

mydocker="$target/node_modules/.bin/mydocker"
# Throw-away roots unless the caller chose others: the example leaves the host as it found it.
export MYDOCKER_ROOT="${MYDOCKER_ROOT:-$target/var/lib}"
export MYDOCKER_RUNROOT="${MYDOCKER_RUNROOT:-$target/run}"

echo "==> $mydocker info"
"$mydocker" info
echo "==> a container in the foreground"
"$mydocker" run --rm busybox echo "hello from a minimal mydocker"
echo "==> a detached container: run -d, ps, stop, rm"
"$mydocker" run -d --name minimal-demo busybox sleep 300
"$mydocker" ps
"$mydocker" stop -t 1 minimal-demo
"$mydocker" rm minimal-demo
echo "==> a flag whose plugin is not installed"
"$mydocker" run -m 100m busybox true || echo "(exit code $?)"

echo
echo "Installed in $target. Try: MYDOCKER_ROOT=$MYDOCKER_ROOT MYDOCKER_RUNROOT=$MYDOCKER_RUNROOT $mydocker run -it busybox sh"
echo "Add a plugin later: (cd $target && npm install @mydocker/cgroups)"
