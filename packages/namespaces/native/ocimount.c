/*
 * config.json's mounts, in order, inside the container's root; every target resolved with
 * openat2(RESOLVE_IN_ROOT) and mounted through /proc/self/fd (a symlink in the image never leads out).
 */
#include "oci.h"
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define FAIL(...) report_child_error(errfd, 125, __VA_ARGS__)

static void fdpath(char *buf, size_t len, int fd) {
  snprintf(buf, len, "/proc/self/fd/%d", fd);
}

/* The mount point inside the root, created (a file for a bind of a file) when missing. */
static int target(int rootfd, const char *dest, int as_file, int errfd) {
  char err[512];
  int fd = open_in_root(rootfd, dest, O_PATH);
  if (fd >= 0) return fd;
  if (make_in_root(rootfd, dest, as_file, err, sizeof err) < 0) FAIL("preparing the mount point %s: %s", dest, err);
  fd = open_in_root(rootfd, dest, O_PATH);
  if (fd < 0) FAIL("opening the mount point %s: %s", dest, strerror(errno));
  return fd;
}

static void one_mount(struct config *cfg, struct oci_mount *m, int rootfd, int errfd) {
  char p[64];
  if (!strcmp(m->type, "cgroup") || !strcmp(m->type, "cgroup2")) {
    /* The same cgroupfs view as mydocker run (in the container's cgroup namespace when it has one). */
    if (strcmp(m->dest, "/sys/fs/cgroup")) FAIL("a cgroup mount is supported at /sys/fs/cgroup only, not %s", m->dest);
    int new_ns = 0;
    for (int i = 0; i < cfg->oci->n_ns; i++) new_ns |= cfg->oci->ns[i].flag == CLONE_NEWCGROUP && !cfg->oci->ns[i].path;
    if (new_ns) {
      rootfs_cgroups(cfg, m->flags);
      return;
    }
    /* Without a cgroup namespace of its own the container still sees only its cgroup (runc binds it): mount
       from a passing cgroup namespace rooted at it, then go back to the one config.json asked for. */
    int own = open("/proc/self/ns/cgroup", O_RDONLY | O_CLOEXEC);
    if (own < 0 || unshare(CLONE_NEWCGROUP) < 0) FAIL("entering a cgroup namespace for /sys/fs/cgroup: %s", strerror(errno));
    rootfs_cgroups(cfg, m->flags);
    if (setns(own, CLONE_NEWCGROUP) < 0) FAIL("leaving the passing cgroup namespace: %s", strerror(errno));
    close(own);
    return;
  }
  int bind = (m->flags & MS_BIND) != 0;
  int as_file = 0;
  if (bind) {
    struct stat st;
    if (stat(m->source, &st) < 0) FAIL("the bind mount source %s: %s", m->source, strerror(errno));
    as_file = !S_ISDIR(st.st_mode);
  }
  int fd = target(rootfd, m->dest, as_file, errfd);
  fdpath(p, sizeof p, fd);
  unsigned long first = bind ? m->flags & (MS_BIND | MS_REC) : m->flags;
  const char *data = m->data && *m->data ? m->data : NULL;
  if (mount(m->source, p, bind ? NULL : m->type, first, bind ? NULL : data) < 0)
    FAIL("mounting %s on %s: %s", bind ? m->source : m->type, m->dest, strerror(errno));
  close(fd);
  if (bind && m->bind_remount) {
    /* Re-opened: the old fd points under the new mount. A bind takes its flags only on a remount. */
    fd = open_in_root(rootfd, m->dest, O_PATH);
    fdpath(p, sizeof p, fd);
    if (fd < 0 || mount(NULL, p, NULL, (m->flags & ~(unsigned long)MS_REC) | MS_REMOUNT | MS_BIND, NULL) < 0)
      FAIL("remounting %s with its options: %s", m->dest, strerror(errno));
    close(fd);
  }
  if (m->propagation) {
    fd = open_in_root(rootfd, m->dest, O_PATH);
    fdpath(p, sizeof p, fd);
    if (fd < 0 || mount(NULL, p, NULL, m->propagation, NULL) < 0) FAIL("setting the propagation of %s: %s", m->dest, strerror(errno));
    close(fd);
  }
}

/* Sysctls through the container's own /proc (its net and ipc namespaces), before /proc/sys turns read-only. */
static void write_sysctls(struct oci_config *o, int rootfd, int errfd) {
  for (int i = 0; i < o->sysctl.n; i++) {
    char key[512], *eq = strchr(o->sysctl.items[i], '=');
    if (!eq) continue;
    snprintf(key, sizeof key, "/proc/sys/%.*s", (int)(eq - o->sysctl.items[i]), o->sysctl.items[i]);
    for (char *p = key + 10; *p; p++)
      if (*p == '.') *p = '/';
    int fd = open_in_root(rootfd, key, O_WRONLY);
    if (fd < 0 || write_all(fd, eq + 1, strlen(eq + 1)) < 0) FAIL("setting the sysctl %s: %s", key + 10, strerror(errno));
    close(fd);
  }
}

void oci_mounts(struct config *cfg, int rootfd, int errfd) {
  struct oci_config *o = cfg->oci;
  for (int i = 0; i < o->n_mounts; i++) one_mount(cfg, &o->mounts[i], rootfd, errfd);
  /* /dev as runc leaves it when config.json mounts a tmpfs there: the default nodes and the usual links. */
  int dev = open_in_root(rootfd, "/dev", O_PATH | O_DIRECTORY);
  rootfs_devices(cfg);
  static const char *links[][2] = {
      {"/proc/self/fd", "fd"}, {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"}, {"pts/ptmx", "ptmx"}};
  for (size_t i = 0; dev >= 0 && i < sizeof links / sizeof *links; i++)
    if (symlinkat(links[i][0], dev, links[i][1]) < 0 && errno != EEXIST) FAIL("creating /dev/%s: %s", links[i][1], strerror(errno));
  if (dev >= 0) close(dev);
  write_sysctls(o, rootfd, errfd);
  /* createContainer hooks: in the container's namespaces, after its mounts, before pivot_root. */
  oci_run_hooks(cfg, &o->hooks_cc, "createContainer", errfd);
}

/* The propagation of every mount before the container's are made, as runc's prepareRoot: rslave unless
   linux.rootfsPropagation says otherwise (mounts made on the host later still reach the container's binds,
   none of the container's reach the host). A shared root is only applied after pivot_root (oci_enter_root):
   pivot_root refuses a shared parent, so until then the mounts are slaves. */
unsigned long oci_prepare_propagation(struct config *cfg) {
  unsigned long p = cfg->oci->root_propagation;
  return p & (MS_SLAVE | MS_PRIVATE) ? p : MS_SLAVE | MS_REC;
}

/* pivot_root (or, with --no-pivot, move the root over / and chroot), then the root's propagation. */
void oci_enter_root(struct config *cfg, int rootfd, int errfd) {
  struct oci_config *o = cfg->oci;
  if (fchdir(rootfd) < 0) FAIL("entering the root filesystem: %s", strerror(errno));
  close(rootfd);
  if (o->no_pivot) {
    if (mount(".", "/", NULL, MS_MOVE, NULL) < 0) FAIL("moving the root filesystem: %s", strerror(errno));
    if (chroot(".") < 0) FAIL("chroot: %s", strerror(errno));
  } else {
    if (syscall(SYS_pivot_root, ".", ".") < 0) FAIL("pivot_root: %s", strerror(errno));
    /* The old root must not take its umount elsewhere: make it a slave first (runc does the same). */
    if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0) FAIL("making the old root a slave: %s", strerror(errno));
    if (umount2(".", MNT_DETACH) < 0) FAIL("detaching the old root: %s", strerror(errno));
  }
  if (chdir("/") < 0) FAIL("entering /: %s", strerror(errno));
  if (o->root_propagation && mount(NULL, "/", NULL, o->root_propagation, NULL) < 0) FAIL("setting the root's propagation: %s", strerror(errno));
}
