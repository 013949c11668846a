/*
 * Reads <root>/<id>/state.json, which src/state.ts writes with JSON.stringify. Only what the front needs is
 * kept; string values stay as they stand in the file (already JSON.stringify's escaping, so `state` can copy
 * them into its output unchanged). Anything unexpected makes the front hand the command to Node.
 */
#include "front.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *ws(const char *p) {
  while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r') p++;
  return p;
}

/* A string token at p; returns the byte after its closing quote and its contents in r. */
static const char *str(const char *p, struct raw *r) {
  if (*p != '"') return NULL;
  const char *s = ++p;
  while (*p && *p != '"') {
    if (*p == '\\' && !*++p) return NULL;
    p++;
  }
  if (*p != '"') return NULL;
  if (r) *r = (struct raw){s, (size_t)(p - s)};
  return p + 1;
}

/* Any JSON value: returns the byte after it. */
static const char *skip(const char *p) {
  p = ws(p);
  if (*p == '"') return str(p, NULL);
  if (*p == '{' || *p == '[') {
    char close = *p == '{' ? '}' : ']';
    p = ws(p + 1);
    if (*p == close) return p + 1;
    for (;;) {
      if (close == '}') {
        if (!(p = str(ws(p), NULL))) return NULL;
        p = ws(p);
        if (*p++ != ':') return NULL;
      }
      if (!(p = skip(p))) return NULL;
      p = ws(p);
      if (*p == ',') {
        p++;
        continue;
      }
      return *p == close ? p + 1 : NULL;
    }
  }
  const char *s = p;
  while (*p && !strchr(",}] \n\t\r", *p)) p++;
  return p > s ? p : NULL;
}

typedef int (*member_fn)(void *ctx, const struct raw *key, const char *value);

/* Calls fn for each member of the object at p; -1 when it is no object or fn refuses a member. */
static int members(const char *p, member_fn fn, void *ctx) {
  p = ws(p);
  if (*p != '{') return -1;
  p = ws(p + 1);
  if (*p == '}') return 0;
  for (;;) {
    struct raw k;
    if (!(p = str(ws(p), &k))) return -1;
    p = ws(p);
    if (*p++ != ':') return -1;
    p = ws(p);
    if (fn(ctx, &k, p) < 0 || !(p = skip(p))) return -1;
    p = ws(p);
    if (*p == ',') {
      p++;
      continue;
    }
    return *p == '}' ? 0 : -1;
  }
}

static int is(const struct raw *k, const char *s) {
  return strlen(s) == k->n && memcmp(k->p, s, k->n) == 0;
}

/* A string value as a C string; escapes are refused (no path the front uses has any). */
static char *plain(const char *p) {
  struct raw r;
  if (!str(p, &r) || memchr(r.p, '\\', r.n)) return NULL;
  return strndup(r.p, r.n);
}

static int number(const char *p, long long *out) {
  char *end;
  *out = strtoll(p, &end, 10);
  return end > p && (*end == ',' || *end == '}' || *end == ' ' || *end == '\n') ? 0 : -1;
}

struct parse {
  struct state_file *s;
  char *parent, *name;
  char *paths[MAX_CGROUP_DIRS], *path_names[MAX_CGROUP_DIRS];
  int n_paths, have_pid;
};

static int annotation(void *ctx, const struct raw *k, const char *v) {
  struct state_file *s = ctx;
  size_t i = 0;
  while (i < k->n && k->p[i] >= '0' && k->p[i] <= '9') i++;
  /* JSON.parse puts integer-like keys first: their order would differ from Node's output. */
  if ((k->n && i == k->n) || s->n_ann >= MAX_ANNOTATIONS || !str(v, &s->ann_values[s->n_ann])) return -1;
  s->ann_keys[s->n_ann++] = *k;
  return 0;
}

static int cgroup_member(void *ctx, const struct raw *k, const char *v) {
  struct parse *ps = ctx;
  if (is(k, "parent")) return (ps->parent = plain(v)) ? 0 : -1;
  if (is(k, "name")) return (ps->name = plain(v)) ? 0 : -1;
  return 0;
}

static int path_member(void *ctx, const struct raw *k, const char *v) {
  struct parse *ps = ctx;
  if (ps->n_paths >= MAX_CGROUP_DIRS) return -1;
  if (!(ps->paths[ps->n_paths] = plain(v))) return -1;
  ps->path_names[ps->n_paths++] = strndup(k->p, k->n);
  return 0;
}

static int hook_member(void *ctx, const struct raw *k, const char *v) {
  struct state_file *s = ctx;
  int some = *v == '[' && *ws(v + 1) != ']';
  if (is(k, "poststart")) s->poststart = some;
  if (is(k, "poststop")) s->poststop = some;
  return 0;
}

static int top_member(void *ctx, const struct raw *k, const char *v) {
  struct parse *ps = ctx;
  struct state_file *s = ps->s;
  long long n;
  if (is(k, "id")) return str(v, &s->id) ? 0 : -1;
  if (is(k, "bundle")) return str(v, &s->bundle) ? 0 : -1;
  if (is(k, "rootfs")) return str(v, &s->rootfs) ? 0 : -1;
  if (is(k, "created")) return str(v, &s->created) ? 0 : -1;
  if (is(k, "pid")) {
    if (number(v, &n) < 0) return -1;
    s->pid = (long)n;
    ps->have_pid = 1;
  } else if (is(k, "pidStartTime")) {
    if (number(v, &s->start_time) < 0) return -1;
    s->has_start_time = 1;
  } else if (is(k, "cgroupVersion")) {
    if (number(v, &n) < 0) return -1;
    s->cgroup_v2 = n == 2;
  } else if (is(k, "annotations"))
    return members(v, annotation, s);
  else if (is(k, "cgroup"))
    return members(v, cgroup_member, ps);
  else if (is(k, "cgroupPaths"))
    return members(v, path_member, ps);
  else if (is(k, "hooks"))
    return members(v, hook_member, s);
  return 0;
}

/* The distinct cgroup directories, each with its mount (the directory less "/parent/name"), and the freezer. */
static int cgroup_dirs(struct parse *ps) {
  struct state_file *s = ps->s;
  if (!ps->name || !ps->parent || !ps->n_paths) return -1;
  char suffix[4096];
  snprintf(suffix, sizeof suffix, "%s%s/%s", *ps->parent ? "/" : "", ps->parent, ps->name);
  size_t sl = strlen(suffix);
  char *freezer_v1 = NULL, *unified = NULL;
  for (int i = 0; i < ps->n_paths; i++) {
    char *dir = ps->paths[i];
    size_t dl = strlen(dir);
    if (dl <= sl || strcmp(dir + dl - sl, suffix) != 0 || dir[0] != '/') return -1;
    if (!strcmp(ps->path_names[i], "freezer")) freezer_v1 = dir;
    if (!strcmp(ps->path_names[i], "unified")) unified = dir;
    int seen = 0;
    for (int j = 0; j < s->n_cgroup; j++) seen |= !strcmp(s->cgroup_dirs[j], dir);
    if (seen) continue;
    s->cgroup_dirs[s->n_cgroup] = dir;
    s->cgroup_mounts[s->n_cgroup++] = strndup(dir, dl - sl);
  }
  char file[4200];
  if (freezer_v1 || unified) {
    snprintf(file, sizeof file, "%s/%s", freezer_v1 ? freezer_v1 : unified, freezer_v1 ? "freezer.state" : "cgroup.freeze");
    s->freezer = strdup(file);
    s->freezer_v1 = !!freezer_v1;
  }
  return 0;
}

int load_state(const char *path, struct state_file *s) {
  memset(s, 0, sizeof *s);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  size_t cap = 8192, len = 0;
  char *buf = malloc(cap);
  for (ssize_t n; buf; len += (size_t)n) {
    if (len + 1 >= cap && !(buf = realloc(buf, cap *= 2))) break;
    if ((n = read(fd, buf + len, cap - len - 1)) <= 0) break;
  }
  close(fd);
  if (!buf) return -1;
  buf[len] = 0;
  s->text = buf;
  struct parse ps = {.s = s};
  if (members(buf, top_member, &ps) < 0 || !ps.have_pid || !s->id.p || !s->created.n || !s->bundle.p || !s->rootfs.p) return -1;
  return cgroup_dirs(&ps);
}
