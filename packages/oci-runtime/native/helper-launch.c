/*
 * Where the Node path would load the namespaces helper from, and its start exactly as core's launcher
 * (@mydocker/namespaces HelperProcess.start) does it, for create.c; plus the control socket's line protocol
 * ("pid N", "state …", "go", "started", "wait", "exit N").
 */
#include "helper-launch.h"
#include "front.h"
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <linux/close_range.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

char *read_all(const char *path, size_t *len) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NULL;
  struct stat st;
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > (64 << 20)) {
    close(fd);
    return NULL;
  }
  char *buf = malloc((size_t)st.st_size + 1);
  size_t n = 0;
  for (ssize_t r; buf && n < (size_t)st.st_size && (r = read(fd, buf + n, (size_t)st.st_size - n)) > 0;) n += (size_t)r;
  close(fd);
  if (!buf || n != (size_t)st.st_size) {
    free(buf);
    return NULL;
  }
  buf[n] = 0;
  *len = n;
  return buf;
}

/* ---- where Node would load the helper from ---- */

/* core's path-trust: every component of the real path owned by root, not writable by others (sticky passages aside). */
static int trusted(const char *path) {
  char real[PATH_MAX], prefix[PATH_MAX];
  if (!realpath(path, real)) return 0;
  for (size_t i = 0, n = strlen(real); i <= n; i++) {
    if (i && real[i] != '/' && real[i]) continue;
    snprintf(prefix, sizeof prefix, "%.*s", (int)(i ? i : 1), real);
    struct stat st;
    if (lstat(prefix, &st) < 0 || st.st_uid != 0) return 0;
    int last = i == n;
    int other = st.st_mode & 0002, group = (st.st_mode & 0020) && st.st_gid != 0;
    if ((other || group) && !(S_ISDIR(st.st_mode) && (st.st_mode & 01000) && !last)) return 0;
  }
  return 1;
}

/* @mydocker/<name> as Node's lookup finds it from this package's folder upwards; 0 with its real folder. */
static int find_package(const char *name, char *out, size_t len) {
  char dir[PATH_MAX], cand[PATH_MAX + 128];
  bin_dir(dir, sizeof dir);
  char *slash = strrchr(dir, '/'); /* bin/ → the package */
  if (slash) *slash = 0;
  for (;;) {
    const char *base = strrchr(dir, '/');
    if (!base || strcmp(base + 1, "node_modules")) {
      snprintf(cand, sizeof cand, "%s/node_modules/@mydocker/%s/package.json", dir, name);
      if (access(cand, F_OK) == 0) {
        if (!trusted(cand)) return -1;
        cand[strlen(cand) - strlen("/package.json")] = 0;
        return realpath(cand, out) && strlen(out) < len ? 0 : -1;
      }
    }
    slash = strrchr(dir, '/');
    if (!slash || slash == dir) return -1;
    *slash = 0;
  }
}

/* A value core's loadConfig takes from the environment or the file: absent, or a non-empty string. */
static int config_string(const char *env, struct json_object *file, const char *key, const char **out) {
  const char *v = getenv(env);
  struct json_object *j = NULL;
  if (!v && file && json_object_object_get_ex(file, key, &j)) {
    if (!json_object_is_type(j, json_type_string)) return 0;
    v = json_object_get_string(j);
  }
  *out = v;
  return !v || *v;
}

/*
 * core's loadConfig, as the Node path runs it before it loads the plugins: 1 when it would succeed and name
 * no extra plugin (then the helper and the cgroups are namespaces' and cgroups'), 0 when Node must decide.
 */
static int engine_config_plain(void) {
  const char *plugins = getenv("MYDOCKER_PLUGINS"), *explicit = getenv("MYDOCKER_CONFIG");
  if (plugins && strspn(plugins, ",") != strlen(plugins)) return 0;
  const char *path = explicit ? explicit : "/etc/mydocker/config.json";
  struct json_object *file = NULL;
  size_t len;
  char *text = *path ? read_all(path, &len) : NULL;
  if (!text && (explicit || errno != ENOENT)) return 0;
  if (text) {
    struct json_tokener *tok = json_tokener_new();
    if (tok) {
      json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
      file = json_tokener_parse_ex(tok, text, (int)len);
      if (json_tokener_get_error(tok) != json_tokener_success ||
          strspn(text + json_tokener_get_parse_end(tok), " \t\n\r") != len - json_tokener_get_parse_end(tok)) {
        json_object_put(file);
        file = NULL;
      }
      json_tokener_free(tok);
    }
    free(text);
    static const char *const known[] = {"root", "runRoot", "cgroupParent", "storageDriver", "defaultImage", "pluginOptions", "certsDir", NULL};
    int ok = file && json_object_is_type(file, json_type_object);
    if (ok) {
      json_object_object_foreach(file, k, v) {
        (void)v;
        int found = 0;
        for (const char *const *n = known; *n; n++) found |= !strcmp(*n, k);
        ok &= found;
      }
    }
    if (!ok) {
      json_object_put(file);
      return 0;
    }
  }
  const char *root, *run_root, *certs, *parent;
  int ok = config_string("MYDOCKER_ROOT", file, "root", &root) && config_string("MYDOCKER_RUNROOT", file, "runRoot", &run_root) &&
           config_string("MYDOCKER_CERTS_DIR", file, "certsDir", &certs) && config_string("MYDOCKER_CGROUP_PARENT", file, "cgroupParent", &parent);
  /* cgroupParent: [a-zA-Z0-9][a-zA-Z0-9_./-]*, no ".." component (else loadConfig refuses). */
  if (ok && parent) {
    ok = ((*parent >= 'a' && *parent <= 'z') || (*parent >= 'A' && *parent <= 'Z') || (*parent >= '0' && *parent <= '9'));
    for (const char *s = parent; ok && *s; s++) ok = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || strchr("_./-", *s);
    ok = ok && strcmp(parent, "..") && strncmp(parent, "../", 3) && !strstr(parent, "/../") &&
         (strlen(parent) < 3 || strcmp(parent + strlen(parent) - 3, "/.."));
  }
  json_object_put(file);
  return ok;
}

/* helper-path.ts: $MYDOCKER_INIT, else @mydocker/namespaces' dist/mydocker-init (with @mydocker/cgroups beside it). */
int helper_path(char *out, size_t len) {
  if (!engine_config_plain()) return -1;
  char ns[PATH_MAX], cg[PATH_MAX];
  if (find_package("namespaces", ns, sizeof ns) || find_package("cgroups", cg, sizeof cg)) return -1;
  const char *env = getenv("MYDOCKER_INIT");
  if (env && *env) return (size_t)snprintf(out, len, "%s", env) < len ? 0 : -1;
  if ((size_t)snprintf(out, len, "%s/dist/mydocker-init", ns) >= len || access(out, X_OK) < 0) return -1;
  return trusted(out) ? 0 : -1;
}

/* ---- the helper ---- */

pid_t start_helper(struct helper *h, const char *path, const struct plan *p) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) return -1;
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    /* What libuv's spawn gives the child: default signal dispositions, an empty mask, fd 3 the socket. */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (int s = 1; s < NSIG; s++) signal(s, SIG_DFL);
    if (sv[1] == 3)
      fcntl(3, F_SETFD, 0);
    else if (dup2(sv[1], 3) < 0)
      _exit(127);
    syscall(SYS_close_range, 4, ~0U, 0);
    char *argv[] = {(char *)path, (char *)"oci-create", NULL};
    execve(path, argv, environ);
    _exit(127);
  }
  close(sv[1]);
  h->pid = pid;
  h->sock = sv[0];
  h->have = 0;
  /* launch-config.ts serializeConfig: key=value NUL ..., then an empty entry. */
  for (int i = 0; i <= p->n; i++) {
    const char *e = i < p->n ? p->entries[i] : "";
    size_t len = strlen(e) + 1, off = 0;
    for (ssize_t n; off < len; off += (size_t)n)
      if ((n = write(h->sock, e + off, len - off)) <= 0) return -1;
  }
  return pid;
}

/* The helper's next control line; -1 once it closed the socket. */
int next_line(struct helper *h, char *line, size_t len) {
  for (;;) {
    char *nl = memchr(h->buf, '\n', h->have);
    if (nl) {
      size_t n = (size_t)(nl - h->buf);
      snprintf(line, len, "%.*s", (int)n, h->buf);
      memmove(h->buf, nl + 1, h->have - n - 1);
      h->have -= n + 1;
      return 0;
    }
    if (h->have == sizeof h->buf) return -1;
    ssize_t r = read(h->sock, h->buf + h->have, sizeof h->buf - h->have);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return -1;
    h->have += (size_t)r;
  }
}

int send_line(struct helper *h, const char *text) {
  size_t len = strlen(text), off = 0;
  for (ssize_t n; off < len; off += (size_t)n)
    if ((n = write(h->sock, text + off, len - off)) <= 0) return -1;
  return write(h->sock, "\n", 1) == 1 ? 0 : -1;
}

int wait_child(pid_t pid) {
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  return status;
}
