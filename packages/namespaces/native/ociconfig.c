/* The OCI launch config entries (mode oci-create / oci-exec), read by config.c after its own keys. */
#include "oci.h"
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct oci_config *oci_of(struct config *cfg) {
  if (!cfg->oci) {
    cfg->oci = calloc(1, sizeof *cfg->oci);
    if (!cfg->oci) return NULL;
    cfg->oci->umask = -1;
    cfg->oci->personality = -1;
  }
  return cfg->oci;
}

static int ns_flag(const char *type) {
  static const struct {
    const char *name;
    int flag;
  } types[] = {{"pid", CLONE_NEWPID}, {"network", CLONE_NEWNET}, {"mount", CLONE_NEWNS},     {"ipc", CLONE_NEWIPC},
               {"uts", CLONE_NEWUTS}, {"user", CLONE_NEWUSER},   {"cgroup", CLONE_NEWCGROUP}};
  for (size_t i = 0; i < sizeof types / sizeof *types; i++)
    if (!strcmp(types[i].name, type)) return types[i].flag;
  return 0;
}

/* Splits V at the unit separator into up to MAX fields in place; returns how many. */
static int fields(char *v, char **f, int max) {
  int n = 0;
  f[n++] = v;
  for (char *p = v; *p && n < max; p++)
    if (*p == '\x1f') {
      *p = 0;
      f[n++] = p + 1;
    }
  return n;
}

static int grow(void **arr, int *cap, int n, size_t size) {
  if (n < *cap) return 0;
  int next = *cap ? *cap * 2 : 16;
  void *p = realloc(*arr, (size_t)next * size);
  if (!p) return -1;
  *arr = p;
  *cap = next;
  return 0;
}

int oci_set_entry(struct config *cfg, const char *k, char *v) {
  struct oci_config *o = oci_of(cfg);
  if (!o) return -1;
  char *f[8];
  if (!strcmp(k, "ns")) {
    if (fields(v, f, 2) != 2 || !ns_flag(f[0]) || o->n_ns >= 8) return -1;
    o->ns[o->n_ns++] = (struct oci_ns){ns_flag(f[0]), *f[1] ? f[1] : NULL};
  } else if (!strcmp(k, "uid_map"))
    return list_push(&o->uid_map, v);
  else if (!strcmp(k, "gid_map"))
    return list_push(&o->gid_map, v);
  else if (!strcmp(k, "ocimount")) {
    if (fields(v, f, 7) != 7 || grow((void **)&o->mounts, &o->cap_mounts, o->n_mounts, sizeof *o->mounts) < 0 || f[2][0] != '/') return -1;
    o->mounts[o->n_mounts++] = (struct oci_mount){f[0], f[1], f[2], f[3], strtoul(f[4], NULL, 16), strtoul(f[5], NULL, 16), atoi(f[6])};
  } else if (!strcmp(k, "uid"))
    o->uid = (uid_t)strtoul(v, NULL, 10);
  else if (!strcmp(k, "gid"))
    o->gid = (gid_t)strtoul(v, NULL, 10);
  else if (!strcmp(k, "gids"))
    return list_push(&o->gids, v);
  else if (!strcmp(k, "umask"))
    o->umask = strtol(v, NULL, 8);
  else if (!strcmp(k, "sysctl"))
    return list_push(&o->sysctl, v);
  else if (!strcmp(k, "caps"))
    o->has_caps = 1;
  else if (!strcmp(k, "cap_b"))
    return list_push(&o->cap_b, v);
  else if (!strcmp(k, "cap_e"))
    return list_push(&o->cap_e, v);
  else if (!strcmp(k, "cap_p"))
    return list_push(&o->cap_p, v);
  else if (!strcmp(k, "cap_i"))
    return list_push(&o->cap_i, v);
  else if (!strcmp(k, "cap_a"))
    return list_push(&o->cap_a, v);
  else if (!strcmp(k, "rlimit")) {
    if (fields(v, f, 3) != 3 || o->n_rlimits >= 32) return -1;
    o->rlimits[o->n_rlimits++] = (struct oci_rlimit){atoi(f[0]), {strtoull(f[1], NULL, 10), strtoull(f[2], NULL, 10)}};
  } else if (!strcmp(k, "oom_score_adj"))
    o->oom_score_adj = v;
  else if (!strcmp(k, "domainname"))
    o->domainname = v;
  else if (!strcmp(k, "exec_fifo"))
    o->exec_fifo = v;
  else if (!strcmp(k, "console_socket"))
    o->console_socket = v;
  else if (!strcmp(k, "pid_file"))
    o->pid_file = v;
  else if (!strcmp(k, "state_json"))
    o->state_json = v;
  else if (!strcmp(k, "personality"))
    o->personality = strtol(v, NULL, 16);
  else if (!strcmp(k, "root_propagation"))
    o->root_propagation = strtoul(v, NULL, 16);
  else if (!strcmp(k, "no_pivot"))
    o->no_pivot = atoi(v);
  else if (!strcmp(k, "oci_detach"))
    o->detach = atoi(v);
  else if (!strcmp(k, "hook_cc"))
    return list_push(&o->hooks_cc, v);
  else if (!strcmp(k, "hook_sc"))
    return list_push(&o->hooks_sc, v);
  else if (!strcmp(k, "sc_default")) {
    o->seccomp = 1;
    o->sc_default = strtoul(v, NULL, 16);
  } else if (!strcmp(k, "sc_arch"))
    return list_push(&o->sc_arch, v);
  else if (!strcmp(k, "sc_flag"))
    return list_push(&o->sc_flag, v);
  else if (!strcmp(k, "sc_rule")) {
    if (fields(v, f, 3) != 3 || grow((void **)&o->rules, &o->cap_rules, o->n_rules, sizeof *o->rules) < 0) return -1;
    o->rules[o->n_rules++] = (struct oci_seccomp_rule){f[0], f[2], strtoul(f[1], NULL, 16)};
  } else
    return -1;
  return 0;
}
