/*
 * The container's root, mounted by the monitor with mount(2) when the storage driver described it
 * (StorageDriver.describeMount, launch config `rootfs_mount`) instead of the engine spawning mount(8):
 * one process less on every start (fork of a large Node process, exec, libmount's parsing). It is made
 * in the host's mount namespace, before the clone, at the launch config's `rootfs`, exactly where the
 * driver's own `mount` would have put it; the driver's `unmount`/`isMounted` see no difference.
 * When the container has ended the monitor unmounts it (before it reports the exit), so the engine's
 * `stopped` finds nothing left to unmount and spawns no umount(8) either.
 */
#include "helper.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

int mount_container_root(const struct config *cfg, char *err, size_t errlen) {
  const struct rootfs_mount *m = &cfg->rootfs_mount;
  if (!m->type) return 0;
  /* The options name the layers relative to the container's directory (one page holds them all). */
  int back = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (back < 0 || (*m->cwd && chdir(m->cwd) < 0)) {
    snprintf(err, errlen, "entering %s to mount the container's root: %s", m->cwd, strerror(errno));
    if (back >= 0) close(back);
    return -1;
  }
  int rc = mount(m->source, cfg->rootfs, m->type, 0, m->options);
  int saved = errno;
  if (fchdir(back) < 0) {
    /* The monitor's own cwd is of no use to anything after this point; stay where we are. */
  }
  close(back);
  if (rc < 0) {
    snprintf(err, errlen, "mounting the container's root (%s) at %s: %s", m->type, cfg->rootfs, strerror(saved));
    return -1;
  }
  return 0;
}

void unmount_container_root(const struct config *cfg) {
  if (!cfg->rootfs_mount.type) return;
  /* As the driver's unmount: a busy mount (a shell cd'ed into it) is detached, the kernel frees it later. */
  if (umount2(cfg->rootfs, UMOUNT_NOFOLLOW) < 0 && errno == EBUSY) umount2(cfg->rootfs, MNT_DETACH | UMOUNT_NOFOLLOW);
}
