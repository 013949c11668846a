/*
 * The container's cgroup made as @mydocker/cgroups' V1Manager.create makes it (the only hierarchy the front
 * makes cgroups in: a v2 host, or a hybrid one whose device rules would need a cgroup2 device program, is
 * left to Node): the hierarchy picked from /proc/self/mountinfo as detect.ts does, one directory per
 * controller in WANTED_CONTROLLERS order, cpuset.cpus/mems inherited down the new levels, the limits in
 * the controllers' order, then the device rules. cgroup_plan only reads: create.c hands over when it fails.
 */
#include "cgroup-create.h"
#include "front.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const WANTED[] = {"memory", "cpu", "cpuacct", "cpuset", "pids", "devices", "freezer", "blkio"};
#define N_WANTED 8

static int deciding(int i) {
  return i <= 5; /* memory cpu cpuacct cpuset pids devices */
}

int cgroup_plan(struct cgroup_layout *l, const struct plan *p) {
  memset(l, 0, sizeof *l);
  FILE *in = fopen("/proc/self/mountinfo", "re");
  if (!in) return -1;
  char line[8192];
  char mounts[N_WANTED][2048] = {{0}};
  int v1 = 0, unified = 0, bad = 0;
  while (fgets(line, sizeof line, in)) {
    char *sep = strstr(line, " - ");
    if (!sep) continue;
    char fstype[64], source[4096], super[4096];
    if (sscanf(sep + 3, "%63s %4095s %4095s", fstype, source, super) != 3) continue;
    int is_v1 = !strcmp(fstype, "cgroup"), is_v2 = !strcmp(fstype, "cgroup2");
    if (!is_v1 && !is_v2) continue;
    char *f = line;
    for (int i = 0; i < 4 && f; i++) f = strchr(f, ' ') ? strchr(f, ' ') + 1 : NULL;
    if (!f) continue;
    char *end = strchr(f, ' ');
    if (!end) continue;
    *end = 0;
    if (strchr(f, '\\')) bad = 1; /* an escaped mount point: detect.ts decodes it, the front does not */
    if (is_v2) {
      unified = 1;
      continue;
    }
    for (char *save, *o = strtok_r(super, ",", &save); o; o = strtok_r(NULL, ",", &save))
      for (int i = 0; i < N_WANTED; i++)
        if (!strcmp(o, WANTED[i]) && !mounts[i][0]) {
          snprintf(mounts[i], sizeof mounts[i], "%s", f);
          v1 |= deciding(i);
        }
  }
  fclose(in);
  /* v1 only, and with the v1 devices controller (else the device rules go to a cgroup2 program). */
  if (bad || !v1 || !mounts[5][0]) return -1;
  (void)unified;
  const struct cg_request *c = &p->cg;
  if ((c->has_memory && !mounts[0][0]) || ((c->has_shares || c->has_quota) && !mounts[1][0]) || ((c->has_cpus || c->has_mems) && !mounts[3][0]) ||
      (c->has_pids && !mounts[4][0]))
    return -1; /* V1Manager.check refuses */
  if (c->has_swap && c->swap != -1) {
    char memsw[PATH_MAX + 64];
    snprintf(memsw, sizeof memsw, "%s/memory.memsw.limit_in_bytes", mounts[0]);
    if (access(memsw, F_OK) < 0) return -1; /* memoryV1.check refuses */
  }
  for (int i = 0; i < N_WANTED; i++) {
    if (!mounts[i][0]) continue;
    struct cgroup_dir *d = &l->dirs[l->n++];
    d->controller = WANTED[i];
    snprintf(d->mount, sizeof d->mount, "%.2047s", mounts[i]);
    if ((size_t)snprintf(d->dir, sizeof d->dir, "%s/%s/%s", mounts[i], p->cg_parent, p->cg_name) >= sizeof d->dir) return -1;
  }
  return 0;
}

static int write_file(const char *path, const char *value) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = write(fd, value, strlen(value));
  int e = errno;
  close(fd);
  errno = e;
  return n == (ssize_t)strlen(value) ? 0 : -1;
}

static int write_num(const char *dir, const char *file, long long v) {
  char path[PATH_MAX + 64], num[32];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  snprintf(num, sizeof num, "%lld", v);
  return write_file(path, num);
}

static int write_str(const char *dir, const char *file, const char *v) {
  char path[PATH_MAX + 64];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  return write_file(path, v);
}

/* readControl: the file's text, trimmed; -1 when it cannot be read. */
static int read_trim(const char *path, char *buf, size_t len) {
  ssize_t n = read_small(path, buf, len);
  if (n < 0) return -1;
  while (n > 0 && strchr(" \n\t\r", buf[n - 1])) buf[--n] = 0;
  char *s = buf;
  while (*s && strchr(" \n\t\r", *s)) s++;
  memmove(buf, s, strlen(s) + 1);
  return 0;
}

/* fs-util.ts makeDirs: the missing directories, top first (EEXIST is fine: another container's). */
static int make_dirs(const char *path) {
  char p[PATH_MAX];
  snprintf(p, sizeof p, "%s", path);
  for (char *s = p + 1; *s; s++)
    if (*s == '/') {
      *s = 0;
      if (access(p, F_OK) < 0 && mkdir(p, 0777) < 0 && errno != EEXIST) return -1;
      *s = '/';
    }
  return access(p, F_OK) == 0 || mkdir(p, 0777) == 0 || errno == EEXIST ? 0 : -1;
}

/* cpuset.ts inherit: an empty cpus/mems takes its parent's. */
static int inherit(const char *dir, const char *file) {
  char path[PATH_MAX + 64], own[4096], parent[4096];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  if (read_trim(path, own, sizeof own) < 0 || own[0]) return 0;
  snprintf(path, sizeof path, "%s", dir);
  char *slash = strrchr(path, '/');
  if (!slash) return 0;
  snprintf(slash, sizeof path - (size_t)(slash - path), "/%s", file);
  if (read_trim(path, parent, sizeof parent) < 0 || !parent[0]) return 0;
  return write_str(dir, file, parent);
}

static int apply(const struct cgroup_dir *d, const struct cg_request *c) {
  const char *n = d->controller;
  if (!strcmp(n, "memory") && c->has_memory) {
    if (write_num(d->dir, "memory.limit_in_bytes", c->memory)) return -1;
    char memsw[PATH_MAX + 64];
    snprintf(memsw, sizeof memsw, "%s/memory.memsw.limit_in_bytes", d->dir);
    if (access(memsw, F_OK) == 0 && write_num(d->dir, "memory.memsw.limit_in_bytes", c->has_swap ? c->swap : c->memory * 2)) return -1;
  } else if (!strcmp(n, "cpu")) {
    if (c->has_shares && write_num(d->dir, "cpu.shares", c->shares)) return -1;
    if (c->has_quota && (write_num(d->dir, "cpu.cfs_period_us", c->period) || write_num(d->dir, "cpu.cfs_quota_us", c->quota))) return -1;
  } else if (!strcmp(n, "cpuset")) {
    char level[PATH_MAX];
    size_t ml = strlen(d->mount);
    for (const char *s = d->dir + ml + 1;; s++) {
      if (*s == '/' || !*s) {
        snprintf(level, sizeof level, "%.*s", (int)(s - d->dir), d->dir);
        if (inherit(level, "cpuset.cpus") || inherit(level, "cpuset.mems")) return -1;
      }
      if (!*s) break;
    }
    if (c->has_cpus && write_str(d->dir, "cpuset.cpus", c->cpus)) return -1;
    if (c->has_mems && write_str(d->dir, "cpuset.mems", c->mems)) return -1;
  } else if (!strcmp(n, "pids") && c->has_pids) {
    if (c->pids < 0 ? write_str(d->dir, "pids.max", "max") : write_num(d->dir, "pids.max", c->pids)) return -1;
  }
  return 0;
}

/* devices/v1.ts: the rules in order, "a" or "c M:m rwm", to devices.allow or devices.deny. */
static int device_rules(const char *dir, const struct cg_request *c) {
  for (int i = 0; i < c->n_rules; i++) {
    const struct dev_rule *r = &c->rules[i];
    char line[96], major[24], minor[24];
    if (r->type == 'a')
      snprintf(line, sizeof line, "a");
    else {
      if (r->major < 0)
        snprintf(major, sizeof major, "*");
      else
        snprintf(major, sizeof major, "%lld", r->major);
      if (r->minor < 0)
        snprintf(minor, sizeof minor, "*");
      else
        snprintf(minor, sizeof minor, "%lld", r->minor);
      snprintf(line, sizeof line, "%c %s:%s %s", r->type, major, minor, r->access);
    }
    if (write_str(dir, r->allow ? "devices.allow" : "devices.deny", line)) return -1;
  }
  return 0;
}

int cgroup_make(const struct cgroup_layout *l, const struct plan *p) {
  for (int i = 0; i < l->n; i++) {
    int ok = -1;
    for (int attempt = 0; attempt <= 3 && ok < 0; attempt++) ok = make_dirs(l->dirs[i].dir);
    if (ok < 0 || apply(&l->dirs[i], &p->cg)) return -1;
  }
  if (p->cg.has_rules)
    for (int i = 0; i < l->n; i++)
      if (!strcmp(l->dirs[i].controller, "devices")) return device_rules(l->dirs[i].dir, &p->cg);
  return 0;
}

int cgroup_attach(const struct cgroup_layout *l, long pid) {
  for (int i = 0; i < l->n; i++)
    if (write_num(l->dirs[i].dir, "cgroup.procs", pid)) return -1;
  return 0;
}
