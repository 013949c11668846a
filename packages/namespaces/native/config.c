/* The launch config: NUL-separated key=value entries read from the control socket, ended by an empty one. */
#include "helper.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Grown as needed: the kernel's own limits on argv and envp (ARG_MAX, MAX_ARG_STRLEN) are the only ones. */
#define CONFIG_CHUNK (1 << 16)

int list_has(const struct list *l, const char *s) {
  for (int i = 0; i < l->n; i++)
    if (strcmp(l->items[i], s) == 0) return 1;
  return 0;
}

/* Grows *ARR (of SIZE-byte elements, *CAP of them) so that it holds at least N + EXTRA. */
static int grow(void **arr, int *cap, int n, int extra, size_t size) {
  if (n + extra <= *cap) return 0;
  int next = *cap ? *cap * 2 : 16;
  while (next < n + extra) next *= 2;
  void *p = realloc(*arr, (size_t)next * size);
  if (!p) return -1;
  *arr = p;
  *cap = next;
  return 0;
}

int list_push(struct list *l, char *v) {
  if (grow((void **)&l->items, &l->cap, l->n, 2, sizeof(char *)) < 0) return -1;
  l->items[l->n++] = v;
  l->items[l->n] = NULL;
  return 0;
}

/* Splits V at the unit separator into exactly N fields, in place. */
static int split_fields(char *v, char **fields, int n) {
  for (int i = 0; i < n; i++) {
    fields[i] = v;
    char *sep = strchr(v, '\x1f');
    if (i < n - 1) {
      if (!sep) return -1;
      *sep = 0;
      v = sep + 1;
    } else if (sep) {
      return -1;
    }
  }
  return 0;
}

static int parse_mount(struct config *cfg, char *v) {
  if (grow((void **)&cfg->mounts, &cfg->cap_mounts, cfg->n_mounts, 1, sizeof *cfg->mounts) < 0) return -1;
  struct mount_entry *m = &cfg->mounts[cfg->n_mounts];
  char *fields[5];
  if (split_fields(v, fields, 5) < 0) return -1;
  m->type = fields[0];
  m->source = fields[1];
  m->dest = fields[2];
  m->readonly = strcmp(fields[3], "1") == 0;
  m->data = fields[4];
  if (strcmp(m->type, "bind") != 0 && strcmp(m->type, "tmpfs") != 0) return -1;
  if (m->dest[0] != '/') return -1;
  cfg->n_mounts++;
  return 0;
}

/* "type US source US options US cwd": the container's root, mounted by the monitor (rootfs-mount.c). */
static int parse_rootfs_mount(struct config *cfg, char *v) {
  char *fields[4];
  if (split_fields(v, fields, 4) < 0 || !*fields[0]) return -1;
  cfg->rootfs_mount = (struct rootfs_mount){.type = fields[0], .source = fields[1], .options = fields[2], .cwd = fields[3]};
  return 0;
}

static int parse_number(const char *s, unsigned long max, unsigned long *out) {
  char *end;
  if (!*s || *s == '-') return -1;
  errno = 0;
  unsigned long v = strtoul(s, &end, 10);
  if (errno || *end || v > max) return -1;
  *out = v;
  return 0;
}

/* "path US type US major US minor US mode US uid US gid", the mode in octal. */
static int parse_device(struct config *cfg, char *v) {
  if (grow((void **)&cfg->devices, &cfg->cap_devices, cfg->n_devices, 1, sizeof *cfg->devices) < 0) return -1;
  char *f[7];
  unsigned long major, minor, uid, gid;
  if (split_fields(v, f, 7) < 0 || f[0][0] != '/' || (strcmp(f[1], "c") && strcmp(f[1], "b"))) return -1;
  if (parse_number(f[2], 0xfffff, &major) < 0 || parse_number(f[3], 0xfffff, &minor) < 0) return -1;
  if (parse_number(f[5], 0x7fffffff, &uid) < 0 || parse_number(f[6], 0x7fffffff, &gid) < 0) return -1;
  char *end;
  unsigned long mode = strtoul(f[4], &end, 8);
  if (!*f[4] || *end || mode > 07777) return -1;
  cfg->devices[cfg->n_devices++] = (struct device_entry){f[0], f[1][0], (unsigned)major, (unsigned)minor, (unsigned)mode, (uid_t)uid, (gid_t)gid};
  return 0;
}

static int set_entry(struct config *cfg, char *entry) {
  char *eq = strchr(entry, '=');
  if (!eq) return -1;
  *eq = 0;
  char *k = entry, *v = eq + 1;
  if (!strcmp(k, "mode"))
    cfg->mode = v;
  else if (!strcmp(k, "rootfs"))
    cfg->rootfs = v;
  else if (!strcmp(k, "arg"))
    return list_push(&cfg->args, v);
  else if (!strcmp(k, "env"))
    return list_push(&cfg->env, v);
  else if (!strcmp(k, "cap"))
    return list_push(&cfg->caps, v);
  else if (!strcmp(k, "masked"))
    return list_push(&cfg->masked, v);
  else if (!strcmp(k, "readonly"))
    return list_push(&cfg->readonly_paths, v);
  else if (!strcmp(k, "exit_command"))
    return list_push(&cfg->exit_command, v);
  else if (!strcmp(k, "share"))
    return list_push(&cfg->shared, v);
  else if (!strcmp(k, "cgroup_join"))
    return cgroup_dir_acceptable(v) ? list_push(&cfg->cgroup_join, v) : -1;
  else if (!strcmp(k, "mount"))
    return parse_mount(cfg, v);
  else if (!strcmp(k, "rootfs_mount"))
    return parse_rootfs_mount(cfg, v);
  else if (!strcmp(k, "device"))
    return parse_device(cfg, v);
  else if (!strcmp(k, "hostname"))
    cfg->hostname = v;
  else if (!strcmp(k, "workdir"))
    cfg->workdir = v;
  else if (!strcmp(k, "user"))
    cfg->user = v;
  else if (!strcmp(k, "tty"))
    cfg->tty = atoi(v);
  else if (!strcmp(k, "interactive"))
    cfg->interactive = atoi(v);
  else if (!strcmp(k, "detach"))
    cfg->detach = atoi(v);
  else if (!strcmp(k, "stdin_once"))
    cfg->stdin_once = atoi(v);
  else if (!strcmp(k, "readonly_root"))
    cfg->readonly_root = atoi(v);
  else if (!strcmp(k, "no_new_privs"))
    cfg->no_new_privs = atoi(v);
  else if (!strcmp(k, "privileged"))
    cfg->privileged = atoi(v);
  else if (!strcmp(k, "seccomp"))
    cfg->seccomp = strcmp(v, "unconfined") != 0;
  else if (!strcmp(k, "log_path"))
    cfg->log_path = v;
  else if (!strcmp(k, "log_max_size"))
    cfg->log_max_size = atoll(v);
  else if (!strcmp(k, "log_max_files"))
    cfg->log_max_files = atoi(v);
  else if (!strcmp(k, "exit_file"))
    cfg->exit_file = v;
  else if (!strcmp(k, "exit_claim_file"))
    cfg->exit_claim_file = v;
  else if (!strcmp(k, "attach_path"))
    cfg->attach_path = v;
  else if (!strcmp(k, "attach_stdout"))
    cfg->attach_stdout = atoi(v);
  else if (!strcmp(k, "attach_stderr"))
    cfg->attach_stderr = atoi(v);
  else if (!strcmp(k, "sig_proxy"))
    cfg->sig_proxy = atoi(v);
  else if (!strcmp(k, "init"))
    cfg->init = atoi(v);
  else if (!strcmp(k, "detach_keys")) {
    size_t n = strlen(v);
    if (n == 0 || n % 2 || n / 2 > sizeof cfg->detach_keys) return -1;
    for (size_t i = 0; i < n / 2; i++) {
      unsigned x;
      if (sscanf(v + 2 * i, "%2x", &x) != 1) return -1;
      cfg->detach_keys[i] = (unsigned char)x;
    }
    cfg->n_detach_keys = (int)(n / 2);
  } else if (!strcmp(k, "pid"))
    cfg->target_pid = (pid_t)atol(v);
  else if (!strcmp(k, "restart_command"))
    return list_push(&cfg->restart_command, v);
  else if (!strcmp(k, "health_command"))
    return list_push(&cfg->health_command, v);
  else if (!strcmp(k, "health_interval"))
    cfg->health_interval_ms = atol(v);
  else if (!strcmp(k, "health_start_interval"))
    cfg->health_start_interval_ms = atol(v);
  else if (!strcmp(k, "health_start_period"))
    cfg->health_start_period_ms = atol(v);
  else if (!strcmp(k, "die_with_monitor"))
    cfg->die_with_monitor = atoi(v);
  else
    return oci_set_entry(cfg, k, v);
  return 0;
}

int read_config(int fd, struct config *cfg, char *err, size_t errlen) {
  size_t len = 0, cap = CONFIG_CHUNK, scanned = 0;
  char *buf = malloc(cap);
  if (!buf) {
    snprintf(err, errlen, "out of memory reading the launch config");
    return -1;
  }
  memset(cfg, 0, sizeof *cfg);
  cfg->seccomp = 1;
  cfg->log_max_files = 1;
  cfg->attach_stdout = cfg->attach_stderr = cfg->sig_proxy = 1;
  /* Read until an empty entry (two NULs in a row, or a NUL at the start); each byte is looked at once. */
  for (;;) {
    int done = 0;
    for (; scanned < len; scanned++)
      if (buf[scanned] == 0 && (scanned == 0 || buf[scanned - 1] == 0)) {
        done = 1;
        break;
      }
    if (done) break;
    if (len == cap) {
      char *p = cap < ((size_t)1 << 40) ? realloc(buf, cap * 2) : NULL;
      if (!p) {
        snprintf(err, errlen, "out of memory reading the launch config (%zu bytes)", len);
        return -1;
      }
      buf = p;
      cap *= 2;
    }
    ssize_t n = read(fd, buf + len, cap - len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      snprintf(err, errlen, "launch config ended early");
      return -1;
    }
    len += (size_t)n;
  }
  len = scanned;
  for (size_t start = 0; start < len;) {
    char *entry = buf + start;
    size_t elen = strlen(entry);
    char copy[64];
    snprintf(copy, sizeof copy, "%.60s", entry);
    if (set_entry(cfg, entry) < 0) {
      snprintf(err, errlen, "bad launch config entry \"%s\"", copy);
      return -1;
    }
    start += elen + 1;
  }
  if (!cfg->mode || cfg->args.n == 0) {
    snprintf(err, errlen, "launch config lacks mode or command");
    return -1;
  }
  if (!cfg->env.items && list_push(&cfg->env, NULL) == 0) cfg->env.n = 0;
  return 0;
}
