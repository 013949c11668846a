/*
 * config.json → the helper's launch entries and the cgroup request, in C: the same translation as
 * src/launch-entries.ts createEntries, src/resources.ts cgroupRequest and src/engine.ts cgroupLocation, for
 * the configs the front fully understands. Anything else (a field it does not know, a value that would
 * give a warning or a refusal, hooks the runtime itself runs) makes plan_build return -1: the front then
 * hands the command to Node, which stays the one place that words refusals and warnings.
 *
 * Used by the front (create.c) and by the differential test's printer (test/print-plan.c), which compares
 * these entries with createEntries over a corpus of configs.
 */
#ifndef MYDOCKER_OCI_PLAN_H
#define MYDOCKER_OCI_PLAN_H
#include <limits.h>
#include <stddef.h>

struct json_object;

#define MAX_RULES 256

/* One device cgroup rule (src/resources.ts); major/minor -1 = "*". */
struct dev_rule {
  char type; /* a, c, b */
  long long major, minor;
  char access[4];
  int allow;
};

/* src/resources.ts CgroupLimits, each with a "set" flag (undefined in TypeScript). */
struct cg_request {
  int has_memory, has_swap, has_shares, has_quota, has_cpus, has_mems, has_pids;
  long long memory, swap, shares, quota, period, pids;
  const char *cpus, *mems;
  int has_rules; /* 0: no rules (every device), as an absent list in TypeScript */
  int n_rules;
  struct dev_rule rules[MAX_RULES];
};

struct plan {
  char **entries; /* "key=value" */
  int n, cap;
  char rootfs[PATH_MAX];
  struct cg_request cg;
  char cg_parent[PATH_MAX], cg_name[256];
  int terminal;
  struct json_object *root;        /* the parsed config (annotations are read from it) */
  struct json_object *annotations; /* NULL when config.json has none */
  const char *why;                 /* why it was handed over (for the test printer) */
};

/* config.json's text → plan; bundle absolute and normalized (path.resolve), id a valid container id. 0, or -1: hand over. */
int plan_build(struct plan *p, const char *bundle, const char *text, size_t len, const char *id);
/* Appends one entry (create adds exec_fifo, console_socket, no_pivot); -1 on allocation failure. */
int plan_add(struct plan *p, const char *key, const char *value);
void plan_free(struct plan *p);

/* Node's path.posix.normalize of an absolute path (trailing slash kept); out gets at most len bytes. -1 if too long. */
int normalize_path(const char *in, char *out, size_t len);

/* JSON.stringify of a string, appended at *pos in buf (len bytes); -1 when it does not fit. */
int json_quote(char *buf, size_t len, size_t *pos, const char *s);
#endif
