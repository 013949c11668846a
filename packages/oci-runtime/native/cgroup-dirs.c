/*
 * The container's process and cgroup as the front sees them: the directories create recorded in the state
 * file (the cgroup manager's own paths), read and removed as @mydocker/cgroups' destroy does (thaw, kill
 * until empty, rmdir with EBUSY retries, empty parents up to the mount).
 */
#include "front.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void sleep_ms(long ms) {
  struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&t, &t) < 0 && errno == EINTR) {}
}

static long long now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

ssize_t read_small(const char *path, char *buf, size_t len) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, len - 1);
  close(fd);
  if (n < 0) return -1;
  buf[n] = 0;
  return n;
}

static int write_small(const char *path, const char *value) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = write(fd, value, strlen(value));
  close(fd);
  return n < 0 ? -1 : 0;
}

/* /proc/PID/stat: alive and not a zombie, and (when recorded) the same start time (core's processStartTime). */
static int alive_with(long pid, int check, long long start_time) {
  if (pid <= 0) return 0;
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%ld/stat", pid);
  if (read_small(path, buf, sizeof buf) < 0) return 0;
  char *p = strrchr(buf, ')');
  if (!p || !p[1] || !p[2] || p[2] == 'Z' || p[2] == 'X') return 0;
  if (!check) return 1;
  p += 2;
  for (int field = 3; field < 22 && p; field++) p = strchr(p, ' ') ? strchr(p, ' ') + 1 : NULL;
  return p && strtoll(p, NULL, 10) == start_time;
}

int process_alive(const struct state_file *s) {
  return alive_with(s->pid, s->has_start_time, s->start_time);
}

int cgroup_frozen(const struct state_file *s) {
  char buf[64];
  if (!s->freezer || read_small(s->freezer, buf, sizeof buf) < 0) return 0;
  if (s->freezer_v1) return !strncmp(buf, "FROZEN", 6) || !strncmp(buf, "FREEZING", 8);
  return buf[0] == '1';
}

static int cmp_long(const void *a, const void *b) {
  return (*(const long *)a > *(const long *)b) - (*(const long *)a < *(const long *)b);
}

/* Every PID in the cgroup's procs files, distinct and sorted. */
int cgroup_pids(const struct state_file *s, long *pids, int max) {
  int n = 0;
  static char buf[65536];
  for (int i = 0; i < s->n_cgroup; i++) {
    char path[4200];
    snprintf(path, sizeof path, "%s/cgroup.procs", s->cgroup_dirs[i]);
    if (read_small(path, buf, sizeof buf) < 0) continue;
    for (char *p = buf, *end; *p; p = end) {
      long pid = strtol(p, &end, 10);
      if (end == p) break;
      int seen = 0;
      for (int j = 0; j < n; j++) seen |= pids[j] == pid;
      if (pid > 0 && !seen && n < max) pids[n++] = pid;
    }
  }
  qsort(pids, (size_t)n, sizeof *pids, cmp_long);
  return n;
}

/* Thaws a frozen cgroup: frozen tasks do not die of SIGKILL under the v1 freezer. */
static void thaw(const struct state_file *s) {
  for (int i = 0; i < 1000 && cgroup_frozen(s); i++) {
    write_small(s->freezer, s->freezer_v1 ? "THAWED" : "0");
    if (!cgroup_frozen(s)) return;
    sleep_ms(1);
  }
}

/* SIGKILL to every live process of the cgroup until none is left, for at most 3 s (fs-util.ts killAll). */
static void kill_all(const struct state_file *s) {
  long pids[4096];
  long long deadline = now_ms() + 3000;
  for (;;) {
    int n = cgroup_pids(s, pids, 4096), live = 0;
    for (int i = 0; i < n; i++)
      if (alive_with(pids[i], 0, 0)) {
        live++;
        kill((pid_t)pids[i], SIGKILL);
      }
    if (!live || now_ms() > deadline) return;
    sleep_ms(20);
  }
}

/* Node's wording of a failed rmdir, so that the sentence is the one the Node path prints. */
static const char *uv_words(int e) {
  switch (e) {
  case EBUSY: return "EBUSY: resource busy or locked";
  case EACCES: return "EACCES: permission denied";
  case EPERM: return "EPERM: operation not permitted";
  case ENOTEMPTY: return "ENOTEMPTY: directory not empty";
  default: return strerror(e);
  }
}

static int remove_dir(const char *dir, char *err, size_t errlen) {
  long long deadline = now_ms() + 2000;
  for (long delay = 10;; delay = delay * 2 > 200 ? 200 : delay * 2) {
    if (rmdir(dir) == 0 || errno == ENOENT) return 0;
    if (errno != EBUSY || now_ms() > deadline) {
      snprintf(err, errlen, "Cannot remove the cgroup %s: %s, rmdir '%s'.", dir, uv_words(errno), dir);
      return -1;
    }
    sleep_ms(delay);
  }
}

static int has_child_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return 0;
  struct dirent *e;
  int found = 0;
  while (!found && (e = readdir(d))) found = e->d_type == DT_DIR && strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
  closedir(d);
  return found;
}

/* The parent cgroup goes when its last container does; one still in use stays. */
static void remove_empty_parents(const char *dir, const char *mount) {
  char p[4200];
  snprintf(p, sizeof p, "%s", dir);
  size_t ml = strlen(mount);
  for (char *slash; (slash = strrchr(p, '/')) && (*slash = 0, strlen(p) > ml && !strncmp(p, mount, ml) && p[ml] == '/');) {
    if (has_child_dir(p) || rmdir(p) < 0) return;
  }
}

int cgroup_destroy(const struct state_file *s, char *err, size_t errlen) {
  thaw(s);
  if (s->cgroup_v2 && s->n_cgroup) {
    char path[4200];
    snprintf(path, sizeof path, "%s/cgroup.kill", s->cgroup_dirs[0]);
    write_small(path, "1"); /* Linux 5.14: the whole cgroup at once, forks in flight included */
  }
  kill_all(s);
  for (int i = 0; i < s->n_cgroup; i++) {
    if (remove_dir(s->cgroup_dirs[i], err, errlen) < 0) return -1;
    remove_empty_parents(s->cgroup_dirs[i], s->cgroup_mounts[i]);
  }
  return 0;
}
