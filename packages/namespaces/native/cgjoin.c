/*
 * The container's process joins its cgroup v1 directories itself, before it runs anything of the image.
 *
 * A process moved by another one (the driver writing its PID to cgroup.procs) makes the kernel take the
 * global cgroup_threadgroup_rwsem for writing, whose rcu_sync waits for an RCU grace period: 4–32 ms on
 * the CI host for the first write of a run. A thread that moves itself (v1 `tasks`, "0") skips that lock
 * (cgroup_procs_write_start: threadgroup_locked = pid || threadgroup), ~0.2 ms for 8 hierarchies. The
 * container's cloned child is single-threaded, so moving the thread moves the process.
 *
 * Only what the cgroups plugin gave (cgroup_join entries), only absolute paths without "." or ".."
 * components, no symlink followed, and only a file on a cgroup filesystem is written. A failure is not
 * fatal here: the driver reads /proc/PID/cgroup before "go" and attaches whatever was not joined.
 */
#include "helper.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

int cgroup_dir_acceptable(const char *dir) {
  if (!dir || dir[0] != '/') return 0;
  for (const char *p = dir; *p;) {
    while (*p == '/') p++;
    const char *end = strchrnul(p, '/');
    size_t n = (size_t)(end - p);
    if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) return 0;
    p = end;
  }
  return 1;
}

static int join_one(const char *dir) {
  char path[4096];
  if (!cgroup_dir_acceptable(dir)) return -1;
  int n = snprintf(path, sizeof path, "%s/tasks", dir);
  if (n < 0 || (size_t)n >= sizeof path) return -1;
  struct open_how how = {.flags = O_WRONLY | O_CLOEXEC | O_NOCTTY, .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
  int fd;
  do fd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof how);
  while (fd < 0 && errno == EINTR);
  if (fd < 0) return -1;
  struct statfs fs;
  int ok = fstatfs(fd, &fs) == 0 && fs.f_type == CGROUP_SUPER_MAGIC && write(fd, "0", 1) == 1;
  close(fd);
  return ok ? 0 : -1;
}

int join_cgroups(const struct list *dirs) {
  int joined = 0;
  for (int i = 0; i < dirs->n; i++)
    if (join_one(dirs->items[i]) == 0) joined++;
  return joined;
}
