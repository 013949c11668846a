/*
 * `create` and `run` (foreground and --detach) answered by the front, as src/lifecycle.ts create and
 * src/main.ts run do them, for every config.json plan.c fully understands: reserve <root>/<id>, make the
 * cgroup (cgroup-create.c), start the namespaces helper mydocker-init exactly as core's launcher
 * (HelperProcess.start) does (helper-launch.c) — argv [path, mode], fds 0-2 inherited, the control socket on fd 3, the
 * launch config written to it, the same environment — read "pid N", attach it, write state.json as
 * src/state.ts writes it, send "state …" and "go", wait for "started", write the pid file.
 *
 * Everything before "started" that goes wrong is undone (helper and process killed, cgroup and state
 * directory removed, as create's catch does) and the command handed to Node, which does it again and words
 * whatever fails: the front never phrases an error about config.json or the helper's set-up.
 */
#include "cgroup-create.h"
#include "helper-launch.h"
#include "front.h"
#include "plan.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- files ---- */

/* writeFileSync(tmp) + renameSync: readers never see a half-written file. */
static int write_renamed(const char *path, const char *text) {
  char tmp[PATH_MAX + 8];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) return -1;
  size_t len = strlen(text), off = 0;
  for (ssize_t n; off < len && (n = write(fd, text + off, len - off)) > 0;) off += (size_t)n;
  if (close(fd) < 0 || off != len) return -1;
  return rename(tmp, path);
}

static void remove_state_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (d) {
    struct dirent *e;
    char path[PATH_MAX + 256];
    while ((e = readdir(d)))
      if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
      }
    closedir(d);
  }
  rmdir(dir);
}

/* ---- the state file (src/state.ts ContainerState, JSON.stringify's bytes) ---- */

static long long start_time_of(long pid) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%ld/stat", pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return -1;
  buf[n] = 0;
  char *p = strrchr(buf, ')');
  if (!p) return -1;
  p += 2;
  for (int field = 3; field < 22 && p; field++) p = strchr(p, ' ') ? strchr(p, ' ') + 1 : NULL;
  return p ? strtoll(p, NULL, 10) : -1;
}

#define Q(s)                                                                                                                                                   \
  if (json_quote(buf, len, &pos, s)) return -1
#define LIT(...)                                                                                                                                               \
  do {                                                                                                                                                         \
    int r_ = snprintf(buf + pos, len - pos, __VA_ARGS__);                                                                                                      \
    if (r_ < 0 || (size_t)r_ >= len - pos) return -1;                                                                                                          \
    pos += (size_t)r_;                                                                                                                                         \
  } while (0)

static int annotations_json(char *buf, size_t len, size_t *at, const struct plan *p) {
  size_t pos = *at;
  LIT("{");
  int first = 1;
  json_object_object_foreach(p->annotations, k, v) {
    LIT("%s", first ? "" : ",");
    first = 0;
    Q(k);
    LIT(":");
    Q(json_object_get_string(v));
  }
  LIT("}");
  *at = pos;
  return 0;
}

static int state_file_json(char *buf, size_t len, const struct createopts *o, const struct plan *p, const struct cgroup_layout *l, long pid, long long start,
                           const char *created) {
  size_t pos = 0;
  LIT("{\"id\":");
  Q(o->id);
  LIT(",\"pid\":%ld,\"pidStartTime\":%lld,\"bundle\":", pid, start);
  Q(o->bundle);
  LIT(",\"rootfs\":");
  Q(p->rootfs);
  LIT(",\"created\":");
  Q(created);
  if (p->annotations) {
    LIT(",\"annotations\":");
    if (annotations_json(buf, len, &pos, p)) return -1;
  }
  LIT(",\"cgroup\":{\"parent\":");
  Q(p->cg_parent);
  LIT(",\"name\":");
  Q(p->cg_name);
  LIT("},\"cgroupPaths\":{");
  for (int i = 0; i < l->n; i++) {
    LIT("%s\"%s\":", i ? "," : "", l->dirs[i].controller);
    Q(l->dirs[i].dir);
  }
  LIT("},\"cgroupVersion\":1,\"hooks\":{}}");
  return 0;
}

/* stateJson(state, 'created') as the helper gets it for the hooks it runs. */
static int state_line(char *buf, size_t len, const struct createopts *o, const struct plan *p, long pid, const char *created) {
  size_t pos = 0;
  LIT("state {\"ociVersion\":\"1.2.0\",\"id\":");
  Q(o->id);
  LIT(",\"pid\":%ld,\"status\":\"created\",\"bundle\":", pid);
  Q(o->bundle);
  LIT(",\"rootfs\":");
  Q(p->rootfs);
  LIT(",\"created\":");
  Q(created);
  if (p->annotations && json_object_object_length(p->annotations)) {
    LIT(",\"annotations\":");
    if (annotations_json(buf, len, &pos, p)) return -1;
  }
  LIT(",\"owner\":\"\"}");
  return 0;
}

static void iso_now(char *out, size_t len) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  struct tm tm;
  gmtime_r(&tv.tv_sec, &tm);
  snprintf(out, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
           (long)tv.tv_usec / 1000);
}

/* ---- create ---- */

/* The cgroup as the state file would describe it, for cgroup_destroy (distinct directories). */
static void layout_state(const struct cgroup_layout *l, struct state_file *s) {
  memset(s, 0, sizeof *s);
  for (int i = 0; i < l->n; i++) {
    int seen = 0;
    for (int j = 0; j < s->n_cgroup; j++) seen |= !strcmp(s->cgroup_dirs[j], l->dirs[i].dir);
    if (seen) continue;
    s->cgroup_dirs[s->n_cgroup] = (char *)l->dirs[i].dir;
    s->cgroup_mounts[s->n_cgroup++] = (char *)l->dirs[i].mount;
    if (!strcmp(l->dirs[i].controller, "freezer")) {
      static char freezer[PATH_MAX + 32];
      snprintf(freezer, sizeof freezer, "%s/freezer.state", l->dirs[i].dir);
      s->freezer = freezer;
      s->freezer_v1 = 1;
    }
  }
}

struct made {
  char dir[PATH_MAX];
  int reserved, cgroup;
  struct helper h;
  long pid;
};

/* create's catch: nothing is left (the helper, the process, the cgroup, the state directory). */
static void undo(struct made *m, const struct cgroup_layout *l) {
  if (m->h.pid > 0) {
    kill(m->h.pid, SIGKILL);
    if (m->pid > 0) kill((pid_t)m->pid, SIGKILL);
    close(m->h.sock);
    wait_child(m->h.pid);
  }
  if (m->cgroup) {
    struct state_file s;
    char err[512];
    layout_state(l, &s);
    cgroup_destroy(&s, err, sizeof err);
  }
  if (m->reserved) remove_state_dir(m->dir);
}

/* Up to "started" and the pid file; 0 with the helper connected, -1 (all undone): hand over. */
static int create_container(struct front *f, const struct createopts *o, struct plan *p, struct made *m, struct cgroup_layout *l) {
  char cfg[PATH_MAX + 16], helper[PATH_MAX], pidfile[PATH_MAX], console[PATH_MAX];
  size_t len;
  snprintf(cfg, sizeof cfg, "%s/config.json", o->bundle);
  snprintf(m->dir, sizeof m->dir, "%s/%s", f->root, o->id);
  if (access(m->dir, F_OK) == 0) return -1;
  char *text = read_all(cfg, &len);
  if (!text) return -1;
  int r = plan_build(p, o->bundle, text, len, o->id);
  free(text);
  if (r || !p->terminal != !o->console_socket || cgroup_plan(l, p) || helper_path(helper, sizeof helper)) return -1;
  if (o->pid_file && resolve_path(o->pid_file, pidfile, sizeof pidfile)) return -1;
  char fifo[PATH_MAX + 16];
  snprintf(fifo, sizeof fifo, "%s/exec.fifo", m->dir);
  if (plan_add(p, "exec_fifo", fifo)) return -1;
  if (o->console_socket && (resolve_path(o->console_socket, console, sizeof console) || plan_add(p, "console_socket", console))) return -1;
  if (o->no_pivot && plan_add(p, "no_pivot", "1")) return -1;
  /* StateDir.reserve: mkdir is atomic, two creates of one id never both win (the loser is Node's refusal). */
  char rootdir[PATH_MAX];
  if (resolve_path(f->root, rootdir, sizeof rootdir)) return -1;
  for (char *s = rootdir + 1;; s++)
    if (*s == '/' || !*s) {
      char c = *s;
      *s = 0;
      if (mkdir(rootdir, 0711) < 0 && errno != EEXIST) return -1;
      if (!(*s = c)) break;
    }
  if (mkdir(m->dir, 0711) < 0) return -1;
  m->reserved = 1;
  m->cgroup = 1;
  char line[256], created[64];
  static char state[1 << 20];
  if (cgroup_make(l, p) || start_helper(&m->h, helper, p) < 0 || next_line(&m->h, line, sizeof line) || sscanf(line, "pid %ld", &m->pid) != 1 || m->pid <= 0)
    goto fail;
  long long start = start_time_of(m->pid);
  iso_now(created, sizeof created);
  if (start < 0 || cgroup_attach(l, m->pid)) goto fail;
  char file[PATH_MAX + 16];
  snprintf(file, sizeof file, "%s/state.json", m->dir);
  if (state_file_json(state, sizeof state, o, p, l, m->pid, start, created) || write_renamed(file, state)) goto fail;
  if (state_line(state, sizeof state, o, p, m->pid, created) || send_line(&m->h, state) || send_line(&m->h, "go")) goto fail;
  if (next_line(&m->h, line, sizeof line) || strcmp(line, "started")) goto fail;
  if (o->pid_file) {
    char num[32];
    snprintf(num, sizeof num, "%ld", m->pid);
    if (write_renamed(pidfile, num)) goto fail;
  }
  return 0;
fail:
  undo(m, l);
  return -1;
}

static volatile pid_t g_container;
static void forward(int sig) {
  if (g_container > 0) kill(g_container, sig);
}

/* delete --force through Node, for the cases the front's delete leaves to it (a paused container). */
static int node_delete(struct front *f, const char *id) {
  pid_t pid = fork();
  if (pid == 0) {
    char *argv[] = {f->argv[0], "--root", (char *)f->root, "--log-format", (char *)f->log_format, "delete", "--force", (char *)id, NULL, NULL, NULL};
    if (f->log) {
      memmove(argv + 3, argv + 1, 7 * sizeof *argv);
      argv[1] = "--log";
      argv[2] = (char *)f->log;
    }
    struct front g = {.argv = argv, .argc = f->log ? 10 : 8};
    hand_over(&g);
  }
  int status = pid > 0 ? wait_child(pid) : -1;
  return status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static int delete_force(struct front *f, const char *id) {
  int r = cmd_delete(f, id, 1);
  return r < 0 ? node_delete(f, id) : r;
}

int cmd_create(struct front *f, const struct createopts *o) {
  struct plan p;
  struct made m;
  static struct cgroup_layout l;
  memset(&m, 0, sizeof m);
  if (create_container(f, o, &p, &m, &l)) {
    plan_free(&p);
    return -1;
  }
  plan_free(&p);
  if (o->run) {
    int r = cmd_start(f, o->id);
    if (r != 0) {
      close(m.h.sock);
      wait_child(m.h.pid);
      delete_force(f, o->id);
      return r < 0 ? fail(f, "The container \"%s\" cannot start: it has stopped.", o->id) : r;
    }
  }
  if (!o->run || o->detach) {
    close(m.h.sock); /* the helper leaves; the process is re-parented to whoever spawned us */
    wait_child(m.h.pid);
    return 0;
  }
  g_container = (pid_t)m.pid;
  static const int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
  for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) {
    struct sigaction sa = {.sa_handler = forward};
    sigaction(sigs[i], &sa, NULL);
  }
  char line[64];
  int code = -1;
  if (send_line(&m.h, "wait") == 0 && next_line(&m.h, line, sizeof line) == 0) sscanf(line, "exit %d", &code);
  close(m.h.sock);
  int status = wait_child(m.h.pid);
  if (code < 0) code = status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : 255;
  if (!o->keep) {
    int r = delete_force(f, o->id);
    if (r) return r;
  }
  return code;
}
