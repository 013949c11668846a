/*
 * The container's filesystem view, built in the child's new mount namespace before pivot_root. Every
 * target is opened inside the root with openat2(RESOLVE_IN_ROOT) and mounted through /proc/self/fd, so a
 * symlink planted in the image can never redirect a mount onto the host.
 */
#include "helper.h"
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static int g_errfd;
static int g_rootfd;

#define FAIL(...) report_child_error(g_errfd, 125, __VA_ARGS__)

static void fdpath(char *buf, size_t len, int fd) {
  snprintf(buf, len, "/proc/self/fd/%d", fd);
}

static int target_fd(const char *dest, int as_file, int create) {
  char err[512];
  if (create && make_in_root(g_rootfd, dest, as_file, err, sizeof err) < 0) FAIL("preparing the mount point %s: %s", dest, err);
  return open_in_root(g_rootfd, dest, O_PATH);
}

/* Mounts at DEST inside the root; creates the target when CREATE. Returns 0, or -1 when missing and optional. */
static int mount_at(const char *dest, const char *src, const char *type, unsigned long flags, const char *data, int as_file, int create) {
  int fd = target_fd(dest, as_file, create);
  if (fd < 0) {
    if (!create && errno == ENOENT) return -1;
    FAIL("opening the mount point %s: %s", dest, strerror(errno));
  }
  char p[64];
  fdpath(p, sizeof p, fd);
  if (mount(src, p, type, flags, data) < 0) FAIL("mounting %s on %s: %s", type ? type : src, dest, strerror(errno));
  close(fd);
  return 0;
}

/* Remounts the mount now at DEST read-only (re-opened: the old fd still points under the new mount). */
static void remount_ro(const char *dest, unsigned long extra) {
  int fd = open_in_root(g_rootfd, dest, O_PATH);
  if (fd < 0) FAIL("opening %s to make it read-only: %s", dest, strerror(errno));
  char p[64];
  fdpath(p, sizeof p, fd);
  if (mount(NULL, p, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | extra, NULL) < 0) FAIL("making %s read-only: %s", dest, strerror(errno));
  close(fd);
}

static int is_dir_path(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* mount(8)'s flag words in a tmpfs option list; the rest (size=, mode=, uid=, ...) is data for tmpfs. */
static const struct {
  const char *word;
  unsigned long set, clear;
} MOUNT_WORDS[] = {
    {"ro", MS_RDONLY, 0},
    {"rw", 0, MS_RDONLY},
    {"noexec", MS_NOEXEC, 0},
    {"exec", 0, MS_NOEXEC},
    {"nosuid", MS_NOSUID, 0},
    {"suid", 0, MS_NOSUID},
    {"nodev", MS_NODEV, 0},
    {"dev", 0, MS_NODEV},
    {"sync", MS_SYNCHRONOUS, 0},
    {"async", 0, MS_SYNCHRONOUS},
    {"noatime", MS_NOATIME, 0},
    {"atime", 0, MS_NOATIME},
    {"nodiratime", MS_NODIRATIME, 0},
    {"diratime", 0, MS_NODIRATIME},
    {"relatime", MS_RELATIME, 0},
    {"strictatime", MS_STRICTATIME, 0},
};

static unsigned long tmpfs_options(const char *opts, unsigned long flags, char *data, size_t n) {
  data[0] = 0;
  char buf[4096];
  snprintf(buf, sizeof buf, "%s", opts ? opts : "");
  for (char *save = NULL, *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
    size_t i;
    for (i = 0; i < sizeof MOUNT_WORDS / sizeof *MOUNT_WORDS; i++) {
      if (strcmp(w, MOUNT_WORDS[i].word) == 0) {
        flags = (flags | MOUNT_WORDS[i].set) & ~MOUNT_WORDS[i].clear;
        break;
      }
    }
    if (i < sizeof MOUNT_WORDS / sizeof *MOUNT_WORDS) continue;
    size_t len = strlen(data);
    snprintf(data + len, n - len, "%s%s", len ? "," : "", w);
  }
  return flags;
}

/* Docker's bind propagation words; the root was made rprivate, so "rprivate" (the default) needs nothing. */
static unsigned long propagation_flags(const char *word) {
  if (!word || !*word) return 0;
  if (!strcmp(word, "shared")) return MS_SHARED;
  if (!strcmp(word, "rshared")) return MS_SHARED | MS_REC;
  if (!strcmp(word, "slave")) return MS_SLAVE;
  if (!strcmp(word, "rslave")) return MS_SLAVE | MS_REC;
  if (!strcmp(word, "private")) return MS_PRIVATE;
  if (!strcmp(word, "rprivate")) return MS_PRIVATE | MS_REC;
  FAIL("unknown bind propagation \"%s\"", word);
}

static void user_mounts(struct config *cfg) {
  for (int i = 0; i < cfg->n_mounts; i++) {
    struct mount_entry *m = &cfg->mounts[i];
    if (!strcmp(m->type, "tmpfs")) {
      char data[4096];
      unsigned long flags = tmpfs_options(m->data, MS_NOSUID | MS_NODEV | (m->readonly ? MS_RDONLY : 0), data, sizeof data);
      mount_at(m->dest, "tmpfs", "tmpfs", flags, *data ? data : NULL, 0, 1);
      continue;
    }
    struct stat st;
    if (stat(m->source, &st) < 0) FAIL("bind mount source %s: %s", m->source, strerror(errno));
    mount_at(m->dest, m->source, NULL, MS_BIND | MS_REC, NULL, !S_ISDIR(st.st_mode), 1);
    if (m->readonly) remount_ro(m->dest, MS_REC);
    unsigned long propagation = propagation_flags(m->data);
    if (propagation) {
      int fd = open_in_root(g_rootfd, m->dest, O_PATH);
      if (fd < 0) FAIL("opening %s to set its propagation: %s", m->dest, strerror(errno));
      char p[64];
      fdpath(p, sizeof p, fd);
      if (mount(NULL, p, NULL, propagation, NULL) < 0) FAIL("setting the propagation of %s: %s", m->dest, strerror(errno));
      close(fd);
    }
  }
}

static void mount_dev(struct config *cfg) {
  mount_at("/dev", "tmpfs", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k", 0, 1);
  int dev = open_in_root(g_rootfd, "/dev", O_PATH | O_DIRECTORY);
  if (dev < 0) FAIL("opening /dev: %s", strerror(errno));
  static const struct {
    const char *name;
    unsigned maj, min;
  } nodes[] = {{"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}};
  for (size_t i = 0; i < sizeof nodes / sizeof *nodes; i++) {
    if (mknodat(dev, nodes[i].name, S_IFCHR | 0666, makedev(nodes[i].maj, nodes[i].min)) < 0) {
      /* Without CAP_MKNOD, bind the host's node instead. */
      char host[64], dest[64];
      snprintf(host, sizeof host, "/dev/%s", nodes[i].name);
      snprintf(dest, sizeof dest, "/dev/%s", nodes[i].name);
      mount_at(dest, host, NULL, MS_BIND, NULL, 1, 1);
    } else {
      fchmodat(dev, nodes[i].name, 0666, 0);
    }
  }
  if (mkdirat(dev, "pts", 0755) < 0 || mkdirat(dev, "shm", 01777) < 0) FAIL("creating /dev/pts and /dev/shm: %s", strerror(errno));
  mount_at("/dev/pts", "devpts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620,gid=5", 0, 0);
  mount_at("/dev/shm", "shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k", 0, 0);
  static const char *links[][2] = {
      {"pts/ptmx", "ptmx"}, {"/proc/self/fd", "fd"}, {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"}};
  for (size_t i = 0; i < sizeof links / sizeof *links; i++)
    if (symlinkat(links[i][0], dev, links[i][1]) < 0) FAIL("creating /dev/%s: %s", links[i][1], strerror(errno));
  (void)cfg;
  close(dev);
}

/* --device and --privileged nodes, made like the defaults: owner and mode as on the host. */
static void make_devices(struct config *cfg) {
  for (int i = 0; i < cfg->n_devices; i++) {
    struct device_entry *d = &cfg->devices[i];
    char parent[4096], err[512];
    snprintf(parent, sizeof parent, "%s", d->path);
    char *slash = strrchr(parent, '/');
    const char *name = d->path + (slash - parent) + 1;
    *slash = 0;
    if (!*name) FAIL("the device path %s names no file", d->path);
    if (make_in_root(g_rootfd, parent[0] ? parent : "/", 0, err, sizeof err) < 0) FAIL("creating the directory of %s: %s", d->path, err);
    int dir = open_in_root(g_rootfd, parent[0] ? parent : "/", O_PATH | O_DIRECTORY);
    if (dir < 0) FAIL("opening the directory of %s: %s", d->path, strerror(errno));
    /* A --device over a default node (or a file the image ships) replaces it; a directory is never removed. */
    if (unlinkat(dir, name, 0) < 0 && errno != ENOENT) FAIL("replacing %s: %s", d->path, strerror(errno));
    mode_t type = d->type == 'b' ? S_IFBLK : S_IFCHR;
    if (mknodat(dir, name, type | (d->mode & 07777), makedev(d->major, d->minor)) < 0) {
      /* In a user namespace mknod is refused: bind the host's node of the same path, as runc does. */
      struct stat st;
      if ((errno != EPERM && errno != EACCES) || stat(d->path, &st) < 0 || (st.st_mode & S_IFMT) != type || st.st_rdev != makedev(d->major, d->minor))
        FAIL("creating the device %s: %s", d->path, strerror(errno));
      close(dir);
      mount_at(d->path, d->path, NULL, MS_BIND, NULL, 1, 1);
      continue;
    }
    if (fchownat(dir, name, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0 || fchmodat(dir, name, d->mode & 07777, 0) < 0)
      FAIL("setting the owner and mode of %s: %s", d->path, strerror(errno));
    close(dir);
  }
}

/* The bind source of a readonly path is the container's own path: resolve it inside the root first. */
static int bind_self(const char *path) {
  int fd = open_in_root(g_rootfd, path, O_PATH);
  if (fd < 0) return -1;
  char p[64];
  fdpath(p, sizeof p, fd);
  int rc = mount(p, p, NULL, MS_BIND | MS_REC, NULL);
  int e = errno;
  close(fd);
  errno = e;
  return rc;
}

static void mask_paths(struct config *cfg) {
  for (int i = 0; i < cfg->masked.n; i++) {
    const char *path = cfg->masked.items[i];
    int fd = open_in_root(g_rootfd, path, O_PATH);
    if (fd < 0) continue; /* absent on this kernel: nothing to hide */
    struct stat st;
    fstat(fd, &st);
    close(fd);
    if (S_ISDIR(st.st_mode))
      mount_at(path, "tmpfs", "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0k", 0, 0);
    else
      mount_at(path, "/dev/null", NULL, MS_BIND, NULL, 1, 0);
  }
  for (int i = 0; i < cfg->readonly_paths.n; i++) {
    const char *path = cfg->readonly_paths.items[i];
    if (bind_self(path) < 0) {
      if (errno == ENOENT) continue;
      FAIL("binding %s: %s", path, strerror(errno));
    }
    remount_ro(path, MS_REC | MS_NOSUID | MS_NODEV | MS_NOEXEC);
  }
}

/* Keeps the host's hierarchy options (controllers, name=...) that select the same v1 hierarchy again. */
static void hierarchy_options(const char *super, char *out, size_t len) {
  char buf[1024];
  snprintf(buf, sizeof buf, "%s", super);
  out[0] = 0;
  for (char *save = NULL, *o = strtok_r(buf, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
    if (!strcmp(o, "rw") || !strcmp(o, "ro") || !strncmp(o, "release_agent=", 14)) continue;
    size_t used = strlen(out);
    snprintf(out + used, len - used, "%s%s", used ? "," : "", o);
  }
}

/*
 * /sys/fs/cgroup as Docker gives it: in the container's own cgroup namespace (entered after the cgroups
 * plugin attached us), fresh cgroup mounts show only the container's subtree, and they are read-only
 * unless privileged. On a v1 or hybrid host: a tmpfs with one mount per host hierarchy (and the host's
 * symlinks such as cpu -> cpu,cpuacct); on a pure v2 host: one cgroup2 mount.
 */
static void mount_cgroups_flags(struct config *cfg, unsigned long flags);
static void mount_cgroups(struct config *cfg) {
  mount_cgroups_flags(cfg, MS_NOSUID | MS_NODEV | MS_NOEXEC | (cfg->privileged ? 0 : MS_RDONLY));
}
void rootfs_cgroups(struct config *cfg, unsigned long flags) {
  mount_cgroups_flags(cfg, flags);
}
void rootfs_devices(struct config *cfg) {
  make_devices(cfg);
}

static void mount_cgroups_flags(struct config *cfg, unsigned long flags) {
  unsigned long ro = flags & MS_RDONLY;
  flags &= ~(unsigned long)MS_RDONLY;
  (void)cfg;
  FILE *f = fopen("/proc/self/mountinfo", "re");
  if (!f) FAIL("reading /proc/self/mountinfo: %s", strerror(errno));
  char line[4096];
  int n = 0, v2_root = 0;
  static char names[64][256], types[64][16], opts[64][1024];
  while (fgets(line, sizeof line, f) && n < 64) {
    char mnt[4096], fstype[64], super[1024];
    char *dash = strstr(line, " - ");
    if (!dash || sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 || sscanf(dash + 3, "%63s %*s %1023s", fstype, super) != 2) continue;
    if (strcmp(fstype, "cgroup") && strcmp(fstype, "cgroup2")) continue;
    if (!strcmp(mnt, "/sys/fs/cgroup")) {
      if (!strcmp(fstype, "cgroup2")) v2_root = 1;
      continue;
    }
    if (strncmp(mnt, "/sys/fs/cgroup/", 15) || strchr(mnt + 15, '/') || strchr(mnt, '\\') || !mnt[15]) continue;
    snprintf(names[n], sizeof names[n], "%.255s", mnt + 15);
    snprintf(types[n], sizeof types[n], "%.15s", fstype);
    if (!strcmp(fstype, "cgroup"))
      hierarchy_options(super, opts[n], sizeof opts[n]);
    else
      opts[n][0] = 0;
    n++;
  }
  fclose(f);
  if (v2_root) {
    mount_at("/sys/fs/cgroup", "cgroup2", "cgroup2", flags | ro, NULL, 0, 1);
    return;
  }
  if (n == 0) return; /* a host without cgroupfs mounted: nothing to show */
  mount_at("/sys/fs/cgroup", "tmpfs", "tmpfs", flags, "mode=755,size=64k", 0, 1);
  for (int i = 0; i < n; i++) {
    char dest[300];
    snprintf(dest, sizeof dest, "/sys/fs/cgroup/%.255s", names[i]);
    mount_at(dest, types[i], types[i], flags | ro, opts[i][0] ? opts[i] : NULL, 0, 1);
  }
  /* The host's aliases (cpu -> cpu,cpuacct): programs look for either name. */
  int cg = open_in_root(g_rootfd, "/sys/fs/cgroup", O_PATH | O_DIRECTORY);
  DIR *host = opendir("/sys/fs/cgroup");
  struct dirent *e;
  while (cg >= 0 && host && (e = readdir(host))) {
    if (e->d_type != DT_LNK) continue;
    char target[256];
    ssize_t len = readlinkat(dirfd(host), e->d_name, target, sizeof target - 1);
    if (len <= 0 || memchr(target, '/', (size_t)len)) continue;
    target[len] = 0;
    if (symlinkat(target, cg, e->d_name) < 0 && errno != EEXIST) FAIL("creating /sys/fs/cgroup/%s: %s", e->d_name, strerror(errno));
  }
  if (host) closedir(host);
  if (cg >= 0) close(cg);
  if (ro) remount_ro("/sys/fs/cgroup", flags);
}

void setup_rootfs(struct config *cfg, int errfd) {
  g_errfd = errfd;
  if (mount(NULL, "/", NULL, cfg->oci ? oci_prepare_propagation(cfg) : MS_REC | MS_PRIVATE, NULL) < 0)
    FAIL("setting the propagation of the mounts: %s", strerror(errno));
  if (!cfg->rootfs || !is_dir_path(cfg->rootfs)) FAIL("the root filesystem %s is not a directory", cfg->rootfs ? cfg->rootfs : "(none)");
  if (mount(cfg->rootfs, cfg->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0) FAIL("binding the root filesystem: %s", strerror(errno));
  g_rootfd = open(cfg->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (g_rootfd < 0) FAIL("opening the root filesystem: %s", strerror(errno));
  if (cfg->oci) {
    /* mydocker-oci: config.json's mounts in order instead of Docker's fixed set, then its own way in. */
    oci_mounts(cfg, g_rootfd, errfd);
    mask_paths(cfg);
    oci_enter_root(cfg, g_rootfd, errfd);
    return;
  }

  mount_at("/proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, 0, 1);
  mount_dev(cfg);
  make_devices(cfg);
  if (list_has(&cfg->shared, "net")) {
    /* A fresh sysfs needs a network namespace of our own (it shows its mounter's); with the host's, bind
       the host's sysfs as runc does — without its submounts, so the host's cgroupfs, securityfs and
       debugfs stay out — and make it read-only. */
    mount_at("/sys", "/sys", NULL, MS_BIND, NULL, 0, 1);
    if (!cfg->privileged) remount_ro("/sys", MS_NOSUID | MS_NODEV | MS_NOEXEC);
  } else {
    mount_at("/sys", "sysfs", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | (cfg->privileged ? 0 : MS_RDONLY), NULL, 0, 1);
  }
  mount_cgroups(cfg);
  user_mounts(cfg);
  mask_paths(cfg);

  if (fchdir(g_rootfd) < 0) FAIL("entering the root filesystem: %s", strerror(errno));
  close(g_rootfd);
  /* pivot_root(".", ".") stacks the old root on the new one; detaching it leaves only the container's. */
  if (syscall(SYS_pivot_root, ".", ".") < 0) FAIL("pivot_root: %s", strerror(errno));
  if (umount2(".", MNT_DETACH) < 0) FAIL("detaching the old root: %s", strerror(errno));
  if (chdir("/") < 0) FAIL("entering /: %s", strerror(errno));
}

/* After pivot_root: the working directory exists before / may become read-only. */
void finish_rootfs(struct config *cfg, int errfd) {
  g_errfd = errfd;
  const char *wd = cfg->workdir && *cfg->workdir ? cfg->workdir : "/";
  char err[512];
  int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (make_in_root(root, wd, 0, err, sizeof err) < 0) FAIL("creating the working directory %s: %s", wd, err);
  close(root);
  if (cfg->readonly_root && mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0) FAIL("making / read-only: %s", strerror(errno));
  if (chdir(wd) < 0) FAIL("entering the working directory %s: %s", wd, strerror(errno));
}
