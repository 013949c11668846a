/* The launch config: NUL-separated key=value entries read from the control socket, ended by an empty one. */
#include "helper.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_CONFIG (1 << 20)

int list_has(const struct list *l, const char *s) {
  for (int i = 0; i < l->n; i++)
    if (strcmp(l->items[i], s) == 0) return 1;
  return 0;
}

static int push(struct list *l, char *v) {
  if (l->n >= MAX_LIST) return -1;
  l->items[l->n++] = v;
  l->items[l->n] = NULL;
  return 0;
}

static int parse_mount(struct config *cfg, char *v) {
  if (cfg->n_mounts >= MAX_LIST) return -1;
  struct mount_entry *m = &cfg->mounts[cfg->n_mounts];
  char *fields[5];
  for (int i = 0; i < 5; i++) {
    fields[i] = v;
    char *sep = v ? strchr(v, '\x1f') : NULL;
    if (i < 4) {
      if (!sep) return -1;
      *sep = 0;
      v = sep + 1;
    }
  }
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

static int set_entry(struct config *cfg, char *entry) {
  char *eq = strchr(entry, '=');
  if (!eq) return -1;
  *eq = 0;
  char *k = entry, *v = eq + 1;
  if (!strcmp(k, "mode")) cfg->mode = v;
  else if (!strcmp(k, "rootfs")) cfg->rootfs = v;
  else if (!strcmp(k, "arg")) return push(&cfg->args, v);
  else if (!strcmp(k, "env")) return push(&cfg->env, v);
  else if (!strcmp(k, "cap")) return push(&cfg->caps, v);
  else if (!strcmp(k, "masked")) return push(&cfg->masked, v);
  else if (!strcmp(k, "readonly")) return push(&cfg->readonly_paths, v);
  else if (!strcmp(k, "exit_command")) return push(&cfg->exit_command, v);
  else if (!strcmp(k, "share")) return push(&cfg->shared, v);
  else if (!strcmp(k, "mount")) return parse_mount(cfg, v);
  else if (!strcmp(k, "hostname")) cfg->hostname = v;
  else if (!strcmp(k, "workdir")) cfg->workdir = v;
  else if (!strcmp(k, "user")) cfg->user = v;
  else if (!strcmp(k, "tty")) cfg->tty = atoi(v);
  else if (!strcmp(k, "interactive")) cfg->interactive = atoi(v);
  else if (!strcmp(k, "detach")) cfg->detach = atoi(v);
  else if (!strcmp(k, "readonly_root")) cfg->readonly_root = atoi(v);
  else if (!strcmp(k, "no_new_privs")) cfg->no_new_privs = atoi(v);
  else if (!strcmp(k, "privileged")) cfg->privileged = atoi(v);
  else if (!strcmp(k, "seccomp")) cfg->seccomp = strcmp(v, "unconfined") != 0;
  else if (!strcmp(k, "log_path")) cfg->log_path = v;
  else if (!strcmp(k, "log_max_size")) cfg->log_max_size = atoll(v);
  else if (!strcmp(k, "log_max_files")) cfg->log_max_files = atoi(v);
  else if (!strcmp(k, "exit_file")) cfg->exit_file = v;
  else if (!strcmp(k, "pid")) cfg->target_pid = (pid_t)atol(v);
  else return -1;
  return 0;
}

int read_config(int fd, struct config *cfg, char *err, size_t errlen) {
  char *buf = malloc(MAX_CONFIG);
  size_t len = 0;
  if (!buf) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  memset(cfg, 0, sizeof *cfg);
  cfg->seccomp = 1;
  cfg->log_max_files = 1;
  /* Read byte blocks until an empty entry (two NULs in a row, or a NUL at the start) arrives. */
  for (;;) {
    int done = 0;
    for (size_t i = 0; i < len; i++)
      if (buf[i] == 0 && (i == 0 || buf[i - 1] == 0)) {
        done = 1;
        len = i;
        break;
      }
    if (done) break;
    if (len >= MAX_CONFIG) {
      snprintf(err, errlen, "launch config too large");
      return -1;
    }
    ssize_t n = read(fd, buf + len, MAX_CONFIG - len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      snprintf(err, errlen, "launch config ended early");
      return -1;
    }
    len += (size_t)n;
  }
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
  return 0;
}
