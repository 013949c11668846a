/*
 * state, start, kill and delete of a container create has made, as src/main.ts, src/lifecycle.ts and
 * src/commands.ts do them. Each returns -1, before it has changed anything, for every case it leaves to
 * the Node runtime: a refusal (so that the sentence is Node's), hooks to run, a paused container.
 */
#include "front.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void path_of(struct front *f, const char *id, const char *leaf, char *out, size_t len) {
  snprintf(out, len, "%s/%s%s%s", f->root, id, leaf ? "/" : "", leaf ? leaf : "");
}

/* statusOf in src/state.ts for a container whose create finished: stopped, created, paused or running. */
static const char *status_of(struct front *f, const char *id, const struct state_file *s) {
  char fifo[4200];
  if (!process_alive(s)) return "stopped";
  path_of(f, id, "exec.fifo", fifo, sizeof fifo);
  if (access(fifo, F_OK) == 0) return "created";
  return cgroup_frozen(s) ? "paused" : "running";
}

static int load(struct front *f, const char *id, struct state_file *s) {
  char file[4200];
  path_of(f, id, "state.json", file, sizeof file);
  return load_state(file, s);
}

static void put_raw(const char *key, const struct raw *r, int comma) {
  printf("  \"%s\": \"%.*s\"%s\n", key, (int)r->n, r->p, comma ? "," : "");
}

/* `runc state`'s JSON as src/state.ts stateJson prints it (JSON.stringify with two spaces). */
int cmd_state(struct front *f, const char *id) {
  struct state_file s;
  if (load(f, id, &s) < 0) return -1;
  const char *status = status_of(f, id, &s);
  printf("{\n  \"ociVersion\": \"1.2.0\",\n");
  put_raw("id", &s.id, 1);
  printf("  \"pid\": %ld,\n  \"status\": \"%s\",\n", strcmp(status, "stopped") ? s.pid : 0L, status);
  put_raw("bundle", &s.bundle, 1);
  put_raw("rootfs", &s.rootfs, 1);
  put_raw("created", &s.created, 1);
  if (s.n_ann) {
    printf("  \"annotations\": {\n");
    for (int i = 0; i < s.n_ann; i++)
      printf("    \"%.*s\": \"%.*s\"%s\n", (int)s.ann_keys[i].n, s.ann_keys[i].p, (int)s.ann_values[i].n, s.ann_values[i].p, i + 1 < s.n_ann ? "," : "");
    printf("  },\n");
  }
  printf("  \"owner\": \"\"\n}\n");
  return fflush(stdout) == 0 ? 0 : 1;
}

/* One byte from the non-blocking exec FIFO: 1 when the process wrote it (it then execs), 0 not yet, -1 error. */
static int fifo_byte(int fd) {
  char b;
  ssize_t n = read(fd, &b, 1);
  if (n == 1) return 1;
  return n == 0 || errno == EAGAIN ? 0 : -1;
}

int cmd_start(struct front *f, const char *id) {
  struct state_file s;
  char fifo[4200];
  if (load(f, id, &s) < 0 || s.poststart || !process_alive(&s)) return -1;
  path_of(f, id, "exec.fifo", fifo, sizeof fifo);
  int fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return -1; /* no FIFO: not "created", Node says what it is */
  for (int got;;) {
    if ((got = fifo_byte(fd)) != 0) {
      if (got < 0) return fail(f, "Reading the exec FIFO %s failed: %s.", fifo, strerror(errno));
      break;
    }
    /* Checked after a read, then read once more: the process may write its byte, exec and end between
       our read and this check, and the byte is then waiting in the FIFO. */
    if (!process_alive(&s)) {
      if (fifo_byte(fd) == 1) break;
      close(fd);
      return fail(f, "The container \"%s\" ended before it could start.", id);
    }
    sleep_ms(1);
  }
  close(fd);
  if (unlink(fifo) < 0 && errno != ENOENT) return fail(f, "Removing the exec FIFO %s failed: %s.", fifo, strerror(errno));
  return 0;
}

int cmd_kill(struct front *f, const char *id, const char *signal, int all) {
  static const struct {
    const char *name;
    int sig;
  } names[] = {{"HUP", 1},   {"INT", 2},    {"QUIT", 3},  {"ILL", 4},   {"TRAP", 5},  {"ABRT", 6},  {"IOT", 6},   {"BUS", 7},     {"FPE", 8},
               {"KILL", 9},  {"USR1", 10},  {"SEGV", 11}, {"USR2", 12}, {"PIPE", 13}, {"ALRM", 14}, {"TERM", 15}, {"STKFLT", 16}, {"CHLD", 17},
               {"CONT", 18}, {"STOP", 19},  {"TSTP", 20}, {"TTIN", 21}, {"TTOU", 22}, {"URG", 23},  {"XCPU", 24}, {"XFSZ", 25},   {"VTALRM", 26},
               {"PROF", 27}, {"WINCH", 28}, {"IO", 29},   {"POLL", 29}, {"PWR", 30},  {"SYS", 31}};
  int sig = 0;
  if (!signal)
    sig = SIGTERM;
  else if (signal[0] >= '0' && signal[0] <= '9') {
    char *end;
    long n = strtol(signal, &end, 10);
    if (*end || n < 1 || n > 64) return -1;
    sig = (int)n;
  } else {
    char up[32];
    size_t i = 0;
    for (; signal[i] && i < sizeof up - 1; i++) up[i] = (char)(signal[i] >= 'a' && signal[i] <= 'z' ? signal[i] - 32 : signal[i]);
    up[i] = 0;
    const char *name = strncmp(up, "SIG", 3) == 0 ? up + 3 : up;
    for (size_t k = 0; k < sizeof names / sizeof *names && !sig; k++)
      if (!strcmp(names[k].name, name)) sig = names[k].sig;
    if (!sig) return -1;
  }
  struct state_file s;
  if (load(f, id, &s) < 0 || !process_alive(&s)) return -1;
  long pids[4096];
  int n = 1;
  pids[0] = s.pid;
  if (all) n = cgroup_pids(&s, pids, 4096);
  for (int i = 0; i < n; i++)
    if (kill((pid_t)pids[i], sig) < 0 && errno != ESRCH) return fail(f, "kill %s.", errno == EPERM ? "EPERM" : strerror(errno));
  return 0;
}

/* rm -rf of the container's state directory (flat: state.json, the FIFO, a temporary file). */
static int remove_tree(int dirfd, const char *name) {
  int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? 0 : unlinkat(dirfd, name, 0);
  DIR *d = fdopendir(fd);
  if (!d) {
    close(fd);
    return -1;
  }
  struct dirent *e;
  while ((e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && unlinkat(fd, e->d_name, 0) < 0 && errno == EISDIR) remove_tree(fd, e->d_name);
  closedir(d);
  return unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT ? -1 : 0;
}

int cmd_delete(struct front *f, const char *id, int force) {
  char dir[4200], err[8600];
  struct stat st;
  path_of(f, id, NULL, dir, sizeof dir);
  if (stat(dir, &st) < 0) return force && errno == ENOENT ? 0 : -1;
  struct state_file s;
  if (load(f, id, &s) < 0 || s.poststop) return -1;
  const char *status = status_of(f, id, &s);
  if (!strcmp(status, "paused") || (!strcmp(status, "running") && !force)) return -1;
  if (strcmp(status, "stopped")) {
    long pids[4096];
    int n = cgroup_pids(&s, pids, 4096);
    kill((pid_t)s.pid, SIGKILL);
    for (int i = 0; i < n; i++) kill((pid_t)pids[i], SIGKILL);
    for (int waited = 0; process_alive(&s); waited += 10) {
      if (waited > 10000) return fail(f, "The container \"%s\" did not end after SIGKILL.", id);
      sleep_ms(10);
    }
  }
  if (cgroup_destroy(&s, err, sizeof err) < 0) return fail(f, "%s", err);
  int rootfd = open(f->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0 || remove_tree(rootfd, id) < 0) return fail(f, "Removing %s failed: %s.", dir, strerror(errno));
  close(rootfd);
  return 0;
}
