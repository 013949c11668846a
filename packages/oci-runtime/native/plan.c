/*
 * config.json → launch entries (src/launch-entries.ts createEntries), cgroup request (src/resources.ts
 * cgroupRequest) and cgroup location (src/engine.ts cgroupLocation), for the configs the front fully
 * understands: every key is on a list of known ones, every value has the type TypeScript reads. Whatever
 * would make the Node path refuse, warn or behave in a way not mirrored here returns -1 (hand over), so the
 * entries this file produces are byte for byte those of createEntries (src/__tests__/front-plan.test.ts).
 *
 * JSON is parsed by json-c (Debian's libjson-c-dev, linked statically) in strict mode; a config that
 * JSON.parse and json-c could read differently (a lone surrogate escape, bytes that are not UTF-8, a
 * number beyond 2^53 or with a fraction, null) is handed over.
 */
#define _GNU_SOURCE
#include "plan-json.h"
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- entries ---- */

int plan_add(struct plan *p, const char *key, const char *value) {
  if (p->n == p->cap) {
    int cap = p->cap ? p->cap * 2 : 256;
    char **e = realloc(p->entries, (size_t)cap * sizeof *e);
    if (!e) return -1;
    p->entries = e;
    p->cap = cap;
  }
  size_t kl = strlen(key), vl = strlen(value);
  char *s = malloc(kl + vl + 2);
  if (!s) return -1;
  memcpy(s, key, kl);
  s[kl] = '=';
  memcpy(s + kl + 1, value, vl + 1);
  p->entries[p->n++] = s;
  return 0;
}

int addf(struct plan *p, const char *key, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *s = NULL;
  int r = vasprintf(&s, fmt, ap);
  va_end(ap);
  if (r < 0) return -1;
  r = plan_add(p, key, s);
  free(s);
  return r;
}

void plan_free(struct plan *p) {
  for (int i = 0; i < p->n; i++) free(p->entries[i]);
  free(p->entries);
  if (p->root) json_object_put(p->root);
  memset(p, 0, sizeof *p);
}

/* ---- paths (Node's path.posix) ---- */

int normalize_path(const char *in, char *out, size_t len) {
  const char *segs[1024];
  size_t lens[1024];
  int n = 0;
  for (const char *s = in; *s;) {
    while (*s == '/') s++;
    if (!*s) break;
    const char *e = s;
    while (*e && *e != '/') e++;
    size_t l = (size_t)(e - s);
    if (l == 1 && s[0] == '.') {
    } else if (l == 2 && s[0] == '.' && s[1] == '.') {
      if (n) n--;
    } else {
      if (n == 1024) return -1;
      segs[n] = s;
      lens[n++] = l;
    }
    s = e;
  }
  size_t pos = 0;
  if (len < 2) return -1;
  out[pos++] = '/';
  for (int i = 0; i < n; i++) {
    if (pos + lens[i] + 2 > len) return -1;
    if (i) out[pos++] = '/';
    memcpy(out + pos, segs[i], lens[i]);
    pos += lens[i];
  }
  size_t il = strlen(in);
  if (n && il && in[il - 1] == '/') out[pos++] = '/';
  out[pos] = 0;
  return 0;
}

/* path.join(base, rel) for an absolute base. */
static int join_path(const char *base, const char *rel, char *out, size_t len) {
  char tmp[PATH_MAX * 2];
  if ((size_t)snprintf(tmp, sizeof tmp, "%s/%s", base, rel) >= sizeof tmp) return -1;
  return normalize_path(tmp, out, len);
}

static int exists(const char *path) {
  return access(path, F_OK) == 0;
}

/* ---- process (processEntries) ---- */

static const char *const CAPS[] = {"CAP_CHOWN",
                                   "CAP_DAC_OVERRIDE",
                                   "CAP_DAC_READ_SEARCH",
                                   "CAP_FOWNER",
                                   "CAP_FSETID",
                                   "CAP_KILL",
                                   "CAP_SETGID",
                                   "CAP_SETUID",
                                   "CAP_SETPCAP",
                                   "CAP_LINUX_IMMUTABLE",
                                   "CAP_NET_BIND_SERVICE",
                                   "CAP_NET_BROADCAST",
                                   "CAP_NET_ADMIN",
                                   "CAP_NET_RAW",
                                   "CAP_IPC_LOCK",
                                   "CAP_IPC_OWNER",
                                   "CAP_SYS_MODULE",
                                   "CAP_SYS_RAWIO",
                                   "CAP_SYS_CHROOT",
                                   "CAP_SYS_PTRACE",
                                   "CAP_SYS_PACCT",
                                   "CAP_SYS_ADMIN",
                                   "CAP_SYS_BOOT",
                                   "CAP_SYS_NICE",
                                   "CAP_SYS_RESOURCE",
                                   "CAP_SYS_TIME",
                                   "CAP_SYS_TTY_CONFIG",
                                   "CAP_MKNOD",
                                   "CAP_LEASE",
                                   "CAP_AUDIT_WRITE",
                                   "CAP_AUDIT_CONTROL",
                                   "CAP_SETFCAP",
                                   "CAP_MAC_OVERRIDE",
                                   "CAP_MAC_ADMIN",
                                   "CAP_SYSLOG",
                                   "CAP_WAKE_ALARM",
                                   "CAP_BLOCK_SUSPEND",
                                   "CAP_AUDIT_READ",
                                   "CAP_PERFMON",
                                   "CAP_BPF",
                                   "CAP_CHECKPOINT_RESTORE",
                                   NULL};
static const char *const RLIMITS[] = {"RLIMIT_CPU",    "RLIMIT_FSIZE",   "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE",       "RLIMIT_RSS",      "RLIMIT_NPROC",
                                      "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS",   "RLIMIT_LOCKS", "RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE", "RLIMIT_NICE",
                                      "RLIMIT_RTPRIO", "RLIMIT_RTTIME",  NULL};

static int process_entries(struct plan *p, J *proc) {
  static const char *const known[] = {"terminal", "user", "args", "env", "cwd", "capabilities", "rlimits", "noNewPrivileges", "oomScoreAdj", NULL};
  static const char *const user_known[] = {"uid", "gid", "umask", "additionalGids", NULL};
  if (!json_object_is_type(proc, json_type_object) || !keys_in(proc, known)) HAND("process has a field the front does not implement");
  J *args = NULL, *env = NULL, *user = NULL, *caps = NULL, *rl = NULL, *gids = NULL;
  const char *cwd = NULL;
  if (str_array(proc, "args", &args) <= 0 || !LEN(args)) HAND("process.args");
  if (str_array(proc, "env", &env) < 0 || get_str(proc, "cwd", &cwd) <= 0 || cwd[0] != '/') HAND("process.env or cwd");
  if (get_type(proc, "user", json_type_object, &user) <= 0 || !keys_in(user, user_known)) HAND("process.user");
  long long uid, gid, umask_v = 0, oom = 0;
  int has_umask, terminal = 0, nnp = 0, has_oom;
  if (get_int(user, "uid", &uid) <= 0 || get_int(user, "gid", &gid) <= 0) HAND("process.user uid/gid");
  if ((has_umask = get_int(user, "umask", &umask_v)) < 0 || (has_umask && umask_v < 0)) HAND("process.user.umask");
  if (get_type(user, "additionalGids", json_type_array, &gids) < 0) HAND("additionalGids");
  if (get_bool(proc, "terminal", &terminal) < 0 || get_bool(proc, "noNewPrivileges", &nnp) < 0) HAND("process booleans");
  if ((has_oom = get_int(proc, "oomScoreAdj", &oom)) < 0 || (has_oom && (oom < -1000 || oom > 1000))) HAND("oomScoreAdj");
  for (size_t i = 0; i < LEN(args); i++)
    if (plan_add(p, "arg", STR_AT(args, i))) return -1;
  for (size_t i = 0; i < LEN(env); i++) {
    if (!strchr(STR_AT(env, i), '=')) HAND("env entry without =");
    if (plan_add(p, "env", STR_AT(env, i))) return -1;
  }
  if (plan_add(p, "workdir", cwd) || addf(p, "uid", "%lld", uid) || addf(p, "gid", "%lld", gid)) return -1;
  for (size_t i = 0; i < LEN(gids); i++) {
    J *g = json_object_array_get_idx(gids, i);
    if (!json_object_is_type(g, json_type_int)) HAND("additionalGids entry");
    if (addf(p, "gids", "%lld", (long long)json_object_get_int64(g))) return -1;
  }
  if (has_umask && addf(p, "umask", "%llo", umask_v)) return -1;
  if (terminal && plan_add(p, "tty", "1")) return -1;
  p->terminal = terminal;
  if (plan_add(p, "caps", "1")) return -1;
  static const char *const sets[][2] = {{"bounding", "cap_b"}, {"effective", "cap_e"}, {"permitted", "cap_p"}, {"inheritable", "cap_i"}, {"ambient", "cap_a"}};
  static const char *const set_names[] = {"bounding", "effective", "permitted", "inheritable", "ambient", NULL};
  if (get_type(proc, "capabilities", json_type_object, &caps) < 0 || (caps && !keys_in(caps, set_names))) HAND("process.capabilities");
  for (int s = 0; s < 5; s++) {
    J *list = NULL;
    if (str_array(caps, sets[s][0], &list) < 0) HAND("capability set");
    for (size_t i = 0; i < LEN(list); i++) {
      int n = lookup(CAPS, STR_AT(list, i));
      if (n < 0) HAND("unknown capability");
      if (addf(p, sets[s][1], "%d", n)) return -1;
    }
  }
  if (get_type(proc, "rlimits", json_type_array, &rl) < 0) HAND("process.rlimits");
  for (size_t i = 0; i < LEN(rl); i++) {
    static const char *const rk[] = {"type", "soft", "hard", NULL};
    J *r = json_object_array_get_idx(rl, i);
    const char *type;
    long long soft, hard;
    if (!json_object_is_type(r, json_type_object) || !keys_in(r, rk) || get_str(r, "type", &type) <= 0 || get_int(r, "soft", &soft) <= 0 ||
        get_int(r, "hard", &hard) <= 0)
      HAND("rlimit");
    int n = lookup(RLIMITS, type);
    if (n < 0 || soft > hard) HAND("rlimit refused");
    if (addf(p, "rlimit", "%d" US "%llu" US "%llu", n, (unsigned long long)soft, (unsigned long long)hard)) return -1;
  }
  if (nnp && plan_add(p, "no_new_privs", "1")) return -1;
  if (has_oom && addf(p, "oom_score_adj", "%lld", oom)) return -1;
  return 0;
}

/* ---- namespaces, mounts, devices, sysctl ---- */

#define NS_MAX 16
static const char *const NAMESPACES[] = {"pid", "network", "mount", "ipc", "uts", "user", "cgroup", NULL};

static int is_new(const char *const *newns, int n, const char *type) {
  for (int i = 0; i < n; i++)
    if (!strcmp(newns[i], type)) return 1;
  return 0;
}

static int namespace_entries(struct plan *p, J *lx, const char **newns, int *n_new) {
  J *list = NULL, *um = NULL, *gm = NULL;
  if (get_type(lx, "namespaces", json_type_array, &list) < 0) HAND("linux.namespaces");
  const char *seen[NS_MAX];
  int n_seen = 0;
  for (size_t i = 0; i < LEN(list); i++) {
    static const char *const nk[] = {"type", "path", NULL};
    J *ns = json_object_array_get_idx(list, i);
    const char *type, *path = NULL;
    int hp;
    if (!json_object_is_type(ns, json_type_object) || !keys_in(ns, nk) || get_str(ns, "type", &type) <= 0 || (hp = get_str(ns, "path", &path)) < 0)
      HAND("namespace");
    if (lookup(NAMESPACES, type) < 0 || is_new(seen, n_seen, type) || n_seen == NS_MAX) HAND("namespace refused");
    seen[n_seen++] = type;
    if (hp && (!*path || path[0] != '/' || !exists(path))) HAND("namespace path");
    if (!hp || !*path) {
      if (hp) HAND("empty namespace path");
      newns[(*n_new)++] = type;
    }
    if (addf(p, "ns", "%s" US "%s", type, hp ? path : "")) return -1;
  }
  if (!is_new(newns, *n_new, "mount")) HAND("no new mount namespace");
  int hu = get_type(lx, "uidMappings", json_type_array, &um), hg = get_type(lx, "gidMappings", json_type_array, &gm);
  if (hu < 0 || hg < 0) HAND("id mappings");
  if (is_new(newns, *n_new, "user")) {
    if (!LEN(um) || !LEN(gm)) HAND("user namespace without mappings");
    J *maps[2] = {um, gm};
    for (int m = 0; m < 2; m++)
      for (size_t i = 0; i < LEN(maps[m]); i++) {
        static const char *const mk[] = {"containerID", "hostID", "size", NULL};
        J *e = json_object_array_get_idx(maps[m], i);
        long long c, h, s;
        if (!json_object_is_type(e, json_type_object) || !keys_in(e, mk) || get_int(e, "containerID", &c) <= 0 || get_int(e, "hostID", &h) <= 0 ||
            get_int(e, "size", &s) <= 0)
          HAND("id mapping");
        if (addf(p, m ? "gid_map" : "uid_map", "%lld %lld %lld", c, h, s)) return -1;
      }
  } else if (LEN(um) || LEN(gm)) {
    if (!is_new(seen, n_seen, "user")) HAND("mappings without a user namespace");
  }
  return 0;
}

struct word {
  const char *name;
  unsigned set, clear;
};
enum {
  RDONLY = 0x1,
  NOSUID = 0x2,
  NODEV = 0x4,
  NOEXEC = 0x8,
  SYNCHRONOUS = 0x10,
  REMOUNT = 0x20,
  MANDLOCK = 0x40,
  DIRSYNC = 0x80,
  NOATIME = 0x400,
  NODIRATIME = 0x800,
  BIND = 0x1000,
  REC = 0x4000,
  UNBINDABLE = 0x20000,
  PRIVATE = 0x40000,
  SLAVE = 0x80000,
  SHARED = 0x100000,
  RELATIME = 0x200000,
  STRICTATIME = 0x1000000
};
static const struct word WORDS[] = {{"ro", RDONLY, 0},
                                    {"rw", 0, RDONLY},
                                    {"nosuid", NOSUID, 0},
                                    {"suid", 0, NOSUID},
                                    {"nodev", NODEV, 0},
                                    {"dev", 0, NODEV},
                                    {"noexec", NOEXEC, 0},
                                    {"exec", 0, NOEXEC},
                                    {"sync", SYNCHRONOUS, 0},
                                    {"async", 0, SYNCHRONOUS},
                                    {"dirsync", DIRSYNC, 0},
                                    {"remount", REMOUNT, 0},
                                    {"mand", MANDLOCK, 0},
                                    {"nomand", 0, MANDLOCK},
                                    {"atime", 0, NOATIME},
                                    {"noatime", NOATIME, 0},
                                    {"diratime", 0, NODIRATIME},
                                    {"nodiratime", NODIRATIME, 0},
                                    {"relatime", RELATIME, 0},
                                    {"norelatime", 0, RELATIME},
                                    {"strictatime", STRICTATIME, 0},
                                    {"nostrictatime", 0, STRICTATIME},
                                    {"bind", BIND, 0},
                                    {"rbind", BIND | REC, 0},
                                    {"defaults", 0, 0},
                                    {NULL, 0, 0}};
static const struct word PROPAGATION[] = {{"private", PRIVATE, 0},
                                          {"rprivate", PRIVATE | REC, 0},
                                          {"shared", SHARED, 0},
                                          {"rshared", SHARED | REC, 0},
                                          {"slave", SLAVE, 0},
                                          {"rslave", SLAVE | REC, 0},
                                          {"unbindable", UNBINDABLE, 0},
                                          {"runbindable", UNBINDABLE | REC, 0},
                                          {NULL, 0, 0}};

static const struct word *word_of(const struct word *w, const char *name) {
  for (; w->name; w++)
    if (!strcmp(w->name, name)) return w;
  return NULL;
}

/* Words that parseMountOptions refuses or warns about, and the names `in` finds on Object.prototype. */
static int odd_word(const char *w) {
  static const char *const odd[] = {"rro",
                                    "rrw",
                                    "rnosuid",
                                    "rsuid",
                                    "rnodev",
                                    "rdev",
                                    "rnoexec",
                                    "rexec",
                                    "ratime",
                                    "rnoatime",
                                    "rrelatime",
                                    "rstrictatime",
                                    "rnodiratime",
                                    "rdiratime",
                                    "idmap",
                                    "ridmap",
                                    "tmpcopyup",
                                    "notmpcopyup",
                                    "copy-symlink",
                                    "z",
                                    "Z",
                                    "U",
                                    "constructor",
                                    "toString",
                                    "valueOf",
                                    "hasOwnProperty",
                                    "isPrototypeOf",
                                    "propertyIsEnumerable",
                                    "toLocaleString",
                                    "__proto__",
                                    "__defineGetter__",
                                    "__defineSetter__",
                                    "__lookupGetter__",
                                    "__lookupSetter__",
                                    NULL};
  return lookup(odd, w) >= 0;
}

/* The destination as posix.normalize leaves it (the front takes only those it leaves unchanged). */
static int plain_abs(const char *path) {
  char n[PATH_MAX];
  return path[0] == '/' && normalize_path(path, n, sizeof n) == 0 && !strcmp(n, path);
}

static int mount_entries(struct plan *p, J *spec, const char *bundle) {
  static const char *const mk[] = {"destination", "type", "source", "options", NULL};
  J *mounts = NULL;
  if (get_type(spec, "mounts", json_type_array, &mounts) < 0) HAND("mounts");
  for (size_t i = 0; i < LEN(mounts); i++) {
    J *m = json_object_array_get_idx(mounts, i), *opts = NULL;
    const char *dest, *type = "", *source = NULL;
    int ht, hs;
    if (!json_object_is_type(m, json_type_object) || !keys_in(m, mk) || get_str(m, "destination", &dest) <= 0 || (ht = get_str(m, "type", &type)) < 0 ||
        (hs = get_str(m, "source", &source)) < 0 || str_array(m, "options", &opts) < 0)
      HAND("mount");
    if (!plain_abs(dest)) HAND("mount destination");
    unsigned flags = 0, prop = 0;
    char data[8192];
    size_t dl = 0;
    data[0] = 0;
    for (size_t k = 0; k < LEN(opts); k++) {
      const char *w = STR_AT(opts, k);
      const struct word *x;
      if ((x = word_of(WORDS, w)))
        flags = (flags | x->set) & ~x->clear;
      else if ((x = word_of(PROPAGATION, w)))
        prop = x->set;
      else if (odd_word(w))
        HAND("mount option refused or warned");
      else {
        int r = snprintf(data + dl, sizeof data - dl, "%s%s", dl ? "," : "", w);
        if (r < 0 || (size_t)r >= sizeof data - dl) HAND("mount data too long");
        dl += (size_t)r;
      }
    }
    int bind = !strcmp(type, "bind") || (flags & BIND);
    if (bind) {
      type = "bind";
      flags |= BIND;
      if (!hs) HAND("bind without source");
    } else if (!*type)
      HAND("mount without type");
    (void)ht;
    char src[PATH_MAX];
    const char *s = hs ? source : type;
    if (bind && s[0] != '/') {
      if (join_path(bundle, s, src, sizeof src)) HAND("bind source too long");
    } else if ((size_t)snprintf(src, sizeof src, "%s", s) >= sizeof src)
      HAND("source too long");
    if (bind && (!*src || !exists(src))) HAND("bind source missing");
    int remount = bind && (flags & ~(unsigned)(BIND | REC)) != 0;
    if (addf(p, "ocimount", "%s" US "%s" US "%s" US "%s" US "%x" US "%x" US "%d", type, src, dest, data, flags, prop, remount)) return -1;
  }
  return 0;
}

struct dev {
  const char *path;
  char type;
  long long major, minor, mode, uid, gid;
  int has_major, has_minor;
};
static const struct dev DEFAULTS[] = {{"/dev/null", 'c', 1, 3, 0666, 0, 0, 1, 1},    {"/dev/zero", 'c', 1, 5, 0666, 0, 0, 1, 1},
                                      {"/dev/full", 'c', 1, 7, 0666, 0, 0, 1, 1},    {"/dev/random", 'c', 1, 8, 0666, 0, 0, 1, 1},
                                      {"/dev/urandom", 'c', 1, 9, 0666, 0, 0, 1, 1}, {"/dev/tty", 'c', 5, 0, 0666, 0, 0, 1, 1}};

static int read_devices(struct plan *p, J *lx, struct dev *out, int *n) {
  J *list = NULL;
  static const char *const dk[] = {"path", "type", "major", "minor", "fileMode", "uid", "gid", NULL};
  if (get_type(lx, "devices", json_type_array, &list) < 0) HAND("linux.devices");
  *n = 0;
  for (int i = 0; i < 6; i++) out[(*n)++] = DEFAULTS[i];
  for (size_t i = 0; i < LEN(list); i++) {
    if (*n >= 128) HAND("too many devices");
    J *d = json_object_array_get_idx(list, i);
    struct dev v = {.mode = 0666};
    const char *type;
    int r[5];
    if (!json_object_is_type(d, json_type_object) || !keys_in(d, dk) || get_str(d, "path", &v.path) <= 0 || get_str(d, "type", &type) <= 0 || strlen(type) != 1)
      HAND("device");
    if ((r[0] = get_int(d, "major", &v.major)) < 0 || (r[1] = get_int(d, "minor", &v.minor)) < 0 || (r[2] = get_int(d, "fileMode", &v.mode)) < 0 ||
        (r[3] = get_int(d, "uid", &v.uid)) < 0 || (r[4] = get_int(d, "gid", &v.gid)) < 0)
      HAND("device numbers");
    v.type = type[0];
    v.has_major = r[0];
    v.has_minor = r[1];
    if (v.path[0] != '/' || (v.type != 'c' && v.type != 'b' && v.type != 'u') || v.mode < 0) HAND("device refused");
    out[(*n)++] = v;
  }
  for (int i = 0; i < *n; i++) {
    const struct dev *d = &out[i];
    if (addf(p, "device", "%s" US "%c" US "%lld" US "%lld" US "%llo" US "%lld" US "%lld", d->path, d->type == 'u' ? 'c' : d->type, d->major, d->minor,
             d->mode & 07777, d->uid, d->gid))
      return -1;
  }
  return 0;
}

static int sysctl_entries(struct plan *p, J *lx, const char *const *newns, int n_new) {
  J *sys = NULL;
  if (get_type(lx, "sysctl", json_type_object, &sys) < 0) HAND("linux.sysctl");
  if (!sys) return 0;
  json_object_object_foreach(sys, k, v) {
    if (!json_object_is_type(v, json_type_string) || !*k) HAND("sysctl value");
    int digits = 1;
    for (const char *c = k; *c; c++) {
      if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || strchr("_.-/", *c))) HAND("sysctl name");
      digits &= *c >= '0' && *c <= '9';
    }
    if (digits || strstr(k, "..")) HAND("sysctl name");
    int ipc = !strncmp(k, "kernel.msg", 10) || !strncmp(k, "kernel.sem", 10) || !strncmp(k, "kernel.shm", 10) || !strncmp(k, "fs.mqueue.", 10);
    int net = !strncmp(k, "net.", 4);
    if ((ipc && !is_new(newns, n_new, "ipc")) || (net && !is_new(newns, n_new, "network"))) HAND("sysctl without its namespace");
    if (!ipc && !net && strcmp(k, "kernel.domainname") && strcmp(k, "kernel.hostname")) HAND("sysctl not namespaced");
    if (addf(p, "sysctl", "%s=%s", k, json_object_get_string(v))) return -1;
  }
  return 0;
}

static int security_entries(struct plan *p, J *lx) {
  J *sc = NULL, *masked = NULL, *ro = NULL, *pers = NULL;
  const char *rp = NULL;
  if (get_type(lx, "seccomp", json_type_object, &sc) < 0) HAND("linux.seccomp");
  if (sc && seccomp_entries(p, sc)) return -1;
  if (str_array(lx, "maskedPaths", &masked) < 0 || str_array(lx, "readonlyPaths", &ro) < 0) HAND("masked/readonly paths");
  for (size_t i = 0; i < LEN(masked); i++) {
    if (STR_AT(masked, i)[0] != '/') HAND("masked path");
    if (plan_add(p, "masked", STR_AT(masked, i))) return -1;
  }
  for (size_t i = 0; i < LEN(ro); i++) {
    if (STR_AT(ro, i)[0] != '/') HAND("read-only path");
    if (plan_add(p, "readonly", STR_AT(ro, i))) return -1;
  }
  if (get_str(lx, "rootfsPropagation", &rp) < 0) HAND("rootfsPropagation");
  if (rp && *rp) {
    const struct word *w = word_of(PROPAGATION, rp);
    if (!w) HAND("rootfsPropagation value");
    if (addf(p, "root_propagation", "%x", w->set)) return -1;
  }
  if (get_type(lx, "personality", json_type_object, &pers) < 0) HAND("personality");
  if (pers) {
    static const char *const pk[] = {"domain", NULL};
    const char *dom;
    if (!keys_in(pers, pk) || get_str(pers, "domain", &dom) <= 0) HAND("personality fields");
    if (!strcmp(dom, "LINUX")) {
      if (plan_add(p, "personality", "0")) return -1;
    } else if (!strcmp(dom, "LINUX32")) {
      if (plan_add(p, "personality", "8")) return -1;
    } else
      HAND("personality domain");
  }
  return 0;
}

/* Appends s at *n in buf (len bytes, NUL-terminated); 1 when it does not fit. */
static int append(char *buf, size_t len, size_t *n, const char *s) {
  size_t l = strlen(s);
  if (*n + l + 1 > len) return 1;
  memcpy(buf + *n, s, l + 1);
  *n += l;
  return 0;
}

/*
 * startContainer hooks run in the helper; the stages the runtime runs itself go to Node, and so do
 * createContainer hooks: they run between "go" and "started", and a create the front undoes after them is
 * done again by Node, which would run them a second time (their effects are the hook's, not ours to undo).
 */
static int hook_entries(struct plan *p, J *spec) {
  static const char *const stages[] = {"createContainer", "startContainer", "prestart", "createRuntime", "poststart", "poststop", NULL};
  static const char *const hk[] = {"path", "args", "env", "timeout", NULL};
  J *hooks = NULL;
  if (get_type(spec, "hooks", json_type_object, &hooks) < 0 || (hooks && !keys_in(hooks, stages))) HAND("hooks");
  if (get(hooks, stages[0])) HAND("createContainer hooks");
  for (int s = 2; s < 6; s++)
    if (get(hooks, stages[s])) HAND("hooks run by the runtime");
  for (int s = 1; s < 2; s++) {
    J *list = NULL;
    if (get_type(hooks, stages[s], json_type_array, &list) < 0) HAND("hook list");
    for (size_t i = 0; i < LEN(list); i++) {
      J *h = json_object_array_get_idx(list, i), *args = NULL, *env = NULL;
      const char *path;
      long long timeout = 0;
      if (!json_object_is_type(h, json_type_object) || !keys_in(h, hk) || get_str(h, "path", &path) <= 0 || path[0] != '/' ||
          get_int(h, "timeout", &timeout) < 0 || str_array(h, "args", &args) < 0 || str_array(h, "env", &env) < 0)
        HAND("hook");
      char buf[65536];
      size_t n = 0;
      int full = append(buf, sizeof buf, &n, path) || append(buf, sizeof buf, &n, US);
      char num[32];
      snprintf(num, sizeof num, "%lld", timeout);
      full = full || append(buf, sizeof buf, &n, num) || append(buf, sizeof buf, &n, US);
      if (!args) full = full || append(buf, sizeof buf, &n, path);
      for (size_t k = 0; k < LEN(args); k++) full = full || (k && append(buf, sizeof buf, &n, RS)) || append(buf, sizeof buf, &n, STR_AT(args, k));
      full = full || append(buf, sizeof buf, &n, US);
      for (size_t k = 0; k < LEN(env); k++) full = full || (k && append(buf, sizeof buf, &n, RS)) || append(buf, sizeof buf, &n, STR_AT(env, k));
      if (full) HAND("hook too long");
      if (plan_add(p, s ? "hook_sc" : "hook_cc", buf)) return -1;
    }
  }
  return 0;
}

/* ---- resources (src/resources.ts cgroupRequest) ---- */

static void rule(struct cg_request *c, char type, long long major, long long minor, const char *access, int allow) {
  struct dev_rule *r = &c->rules[c->n_rules++];
  r->type = type;
  r->major = major;
  r->minor = minor;
  snprintf(r->access, sizeof r->access, "%s", access);
  r->allow = allow;
}

static int resources(struct plan *p, J *lx, const struct dev *devs, int n_devs) {
  static const char *const known[] = {"memory", "cpu", "pids", "devices", "blockIO", NULL};
  static const char *const mem_k[] = {"limit", "swap", NULL};
  static const char *const cpu_k[] = {"shares", "quota", "period", "cpus", "mems", NULL};
  static const char *const pids_k[] = {"limit", NULL};
  struct cg_request *c = &p->cg;
  J *res = NULL, *mem = NULL, *cpu = NULL, *pids = NULL, *devices = NULL, *blk = NULL;
  if (get_type(lx, "resources", json_type_object, &res) < 0 || (res && !keys_in(res, known))) HAND("linux.resources field");
  if (get_type(res, "memory", json_type_object, &mem) < 0 || (mem && !keys_in(mem, mem_k))) HAND("memory field");
  if (get_type(res, "cpu", json_type_object, &cpu) < 0 || (cpu && !keys_in(cpu, cpu_k))) HAND("cpu field");
  if (get_type(res, "pids", json_type_object, &pids) < 0 || (pids && !keys_in(pids, pids_k))) HAND("pids field");
  if (get_type(res, "blockIO", json_type_object, &blk) < 0 || (blk && json_object_object_length(blk))) HAND("blockIO");
  long long v;
  int r;
  if ((r = get_int(mem, "limit", &v)) < 0) HAND("memory.limit");
  if (r && v > 0) c->has_memory = 1, c->memory = v;
  if ((r = get_int(mem, "swap", &v)) < 0) HAND("memory.swap");
  if (r && v != 0) {
    if ((!c->has_memory && v != -1) || (v != -1 && v < c->memory)) HAND("memory.swap refused");
    if (c->has_memory) c->has_swap = 1, c->swap = v;
  }
  if ((r = get_int(cpu, "shares", &v)) < 0) HAND("cpu.shares");
  if (r && v > 0) c->has_shares = 1, c->shares = v;
  long long period = 0;
  int hp;
  if ((r = get_int(cpu, "quota", &v)) < 0 || (hp = get_int(cpu, "period", &period)) < 0) HAND("cpu quota");
  if (r && v > 0) c->has_quota = 1, c->quota = v, c->period = hp && period > 0 ? period : 100000;
  if (get_str(cpu, "cpus", &c->cpus) < 0 || get_str(cpu, "mems", &c->mems) < 0) HAND("cpuset");
  c->has_cpus = c->cpus && *c->cpus;
  c->has_mems = c->mems && *c->mems;
  if ((r = get_int(pids, "limit", &v)) < 0) HAND("pids.limit");
  if (r && v != 0) c->has_pids = 1, c->pids = v > 0 ? v : -1;
  if (get_type(res, "devices", json_type_array, &devices) < 0) HAND("resources.devices");
  if (LEN(devices)) {
    static const char *const dk[] = {"allow", "type", "major", "minor", "access", NULL};
    if (LEN(devices) + 4 + (size_t)n_devs > MAX_RULES) HAND("too many device rules");
    c->has_rules = 1;
    for (size_t i = 0; i < LEN(devices); i++) {
      J *d = json_object_array_get_idx(devices, i);
      const char *type = "a", *access = "rwm";
      long long major = -1, minor = -1;
      int allow = 0;
      if (!json_object_is_type(d, json_type_object) || !keys_in(d, dk) || get_str(d, "type", &type) < 0 || get_str(d, "access", &access) < 0 ||
          get_int(d, "major", &major) < 0 || get_int(d, "minor", &minor) < 0 || get_bool(d, "allow", &allow) < 0)
        HAND("device rule");
      if ((strcmp(type, "a") && strcmp(type, "c") && strcmp(type, "b")) || !*access || strlen(access) > 3 || strspn(access, "rwm") != strlen(access) ||
          (get(d, "major") && major < 0) || (get(d, "minor") && minor < 0))
        HAND("device rule refused");
      rule(c, type[0], major, minor, access, allow);
    }
    rule(c, 'c', -1, -1, "m", 1);
    rule(c, 'b', -1, -1, "m", 1);
    rule(c, 'c', 136, -1, "rwm", 1);
    rule(c, 'c', 5, 2, "rwm", 1);
    for (int i = 0; i < n_devs; i++)
      if (devs[i].type == 'c' || devs[i].type == 'b') {
        if (!devs[i].has_major || !devs[i].has_minor) HAND("device without numbers");
        rule(c, devs[i].type, devs[i].major, devs[i].minor, "rwm", 1);
      }
  }
  return 0;
}

/* src/engine.ts cgroupLocation. */
static int location(struct plan *p, J *lx, const char *id) {
  const char *path = NULL;
  if (get_str(lx, "cgroupsPath", &path) < 0) HAND("cgroupsPath");
  if (!path || !*path) {
    snprintf(p->cg_parent, sizeof p->cg_parent, "mydocker-oci");
    snprintf(p->cg_name, sizeof p->cg_name, "%s", id);
    return 0;
  }
  if (strchr(path, ':') || strlen(path) >= sizeof p->cg_parent) HAND("cgroupsPath form");
  char copy[PATH_MAX], *parts[512];
  int n = 0;
  snprintf(copy, sizeof copy, "%s", path);
  for (char *save, *t = strtok_r(copy, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
    if (!strcmp(t, ".")) continue;
    if (!strcmp(t, "..") || n == 512) HAND("cgroupsPath refused");
    parts[n++] = t;
  }
  if (!n || strlen(parts[n - 1]) >= sizeof p->cg_name) HAND("cgroupsPath refused");
  size_t pos = 0;
  p->cg_parent[0] = 0;
  for (int i = 0; i < n - 1; i++) pos += (size_t)snprintf(p->cg_parent + pos, sizeof p->cg_parent - pos, "%s%s", i ? "/" : "", parts[i]);
  snprintf(p->cg_name, sizeof p->cg_name, "%s", parts[n - 1]);
  return 0;
}

/* ---- the whole config (createEntries) ---- */

static int parse(struct plan *p, const char *text, size_t len) {
  /* JSON.parse refuses a raw control character in a string (json-c takes it), and reads \uD800-\uDFFF alone. */
  for (size_t i = 0, in_string = 0; i < len; i++) {
    unsigned char c = (unsigned char)text[i];
    if (c < 0x20 && (in_string || !c || !strchr(" \t\n\r", c))) HAND("a raw control character");
    if (c == '"') in_string = !in_string;
    if (c == '\\' && in_string && ++i < len && text[i] == 'u' && i + 1 < len && (text[i + 1] == 'd' || text[i + 1] == 'D'))
      HAND("\\uD… escape (a surrogate, maybe lone)");
  }
  if (!valid_utf8((const unsigned char *)text, len)) HAND("not UTF-8");
  struct json_tokener *tok = json_tokener_new();
  if (!tok) HAND("json-c");
  json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
  p->root = json_tokener_parse_ex(tok, text, (int)len);
  size_t used = json_tokener_get_error(tok) == json_tokener_success ? json_tokener_get_parse_end(tok) : 0;
  json_tokener_free(tok);
  if (!p->root || !used) HAND("not JSON");
  for (size_t i = used; i < len; i++)
    if (!strchr(" \t\n\r", text[i])) HAND("text after the JSON value");
  if (!json_object_is_type(p->root, json_type_object) || !tree_ok(p->root, 0)) HAND("a value JSON.parse may read otherwise");
  return 0;
}

int plan_build(struct plan *p, const char *bundle, const char *text, size_t len, const char *id) {
  static const char *const known[] = {"ociVersion", "process", "root", "hostname", "domainname", "mounts", "hooks", "annotations", "linux", NULL};
  static const char *const root_k[] = {"path", "readonly", NULL};
  static const char *const linux_k[] = {"namespaces", "uidMappings", "gidMappings",   "devices",           "cgroupsPath", "resources", "sysctl",
                                        "seccomp",    "maskedPaths", "readonlyPaths", "rootfsPropagation", "personality", NULL};
  memset(p, 0, sizeof *p);
  if (parse(p, text, len)) return -1;
  J *spec = p->root, *proc = NULL, *root = NULL, *lx = NULL;
  const char *ver, *path;
  if (!keys_in(spec, known)) HAND("config.json has a field the front does not implement");
  if (get_str(spec, "ociVersion", &ver) <= 0 || strncmp(ver, "1.", 2)) HAND("ociVersion");
  if (get_type(spec, "root", json_type_object, &root) <= 0 || !keys_in(root, root_k) || get_str(root, "path", &path) <= 0 || !*path) HAND("root");
  if (get_type(spec, "process", json_type_object, &proc) <= 0) HAND("process");
  if (get_type(spec, "linux", json_type_object, &lx) < 0 || (lx && !keys_in(lx, linux_k))) HAND("linux has a field the front does not implement");
  if (get_type(spec, "annotations", json_type_object, &p->annotations) < 0) HAND("annotations");
  if (p->annotations) {
    json_object_object_foreach(p->annotations, k, v) {
      int digits = *k != 0;
      for (const char *c = k; *c; c++) digits &= *c >= '0' && *c <= '9';
      if (digits || !json_object_is_type(v, json_type_string)) HAND("annotation JSON.stringify would reorder or keep as non-string");
    }
  }
  if (path[0] == '/') {
    if ((size_t)snprintf(p->rootfs, sizeof p->rootfs, "%s", path) >= sizeof p->rootfs) HAND("root.path too long");
  } else if (join_path(bundle, path, p->rootfs, sizeof p->rootfs))
    HAND("root.path too long");
  struct stat st;
  if (stat(p->rootfs, &st) < 0 || !S_ISDIR(st.st_mode)) HAND("rootfs not a directory");
  int ro = 0;
  if (get_bool(root, "readonly", &ro) < 0) HAND("root.readonly");
  if (plan_add(p, "mode", "oci-create") || plan_add(p, "rootfs", p->rootfs)) return -1;
  if (process_entries(p, proc)) return -1;
  if (ro && plan_add(p, "readonly_root", "1")) return -1;
  const char *newns[NS_MAX];
  int n_new = 0;
  if (namespace_entries(p, lx, newns, &n_new)) return -1;
  static const char *const names[] = {"hostname", "domainname"};
  for (int i = 0; i < 2; i++) {
    const char *v = NULL;
    if (get_str(spec, names[i], &v) < 0) HAND("hostname/domainname");
    if (!v || !*v) continue;
    if (!is_new(newns, n_new, "uts")) HAND("hostname without uts namespace");
    if (plan_add(p, names[i], v)) return -1;
  }
  if (mount_entries(p, spec, bundle)) return -1;
  static struct dev devs[128];
  int n_devs = 0;
  if (read_devices(p, lx, devs, &n_devs)) return -1;
  if (sysctl_entries(p, lx, newns, n_new)) return -1;
  if (security_entries(p, lx)) return -1;
  if (hook_entries(p, spec)) return -1;
  if (resources(p, lx, devs, n_devs)) return -1;
  return location(p, lx, id);
}
