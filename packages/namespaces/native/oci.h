/* mydocker-oci's part of the helper: what a config.json asks for beyond mydocker run's launch config. */
#ifndef MYDOCKER_OCI_H
#define MYDOCKER_OCI_H
#include "helper.h"
#include <sys/resource.h>

/* A namespace: type (clone flag) and, when joined, the path of an existing one. */
struct oci_ns {
  int flag;
  char *path; /* NULL or "" = new */
};

/* One config.json mount, its options already turned into flags by the driver (runc's parseMountOptions). */
struct oci_mount {
  char *type, *source, *dest, *data;
  unsigned long flags, propagation;
  int bind_remount; /* a bind with flags that need a second, remounting, mount(2) */
};

struct oci_rlimit {
  int resource;
  struct rlimit lim;
};

/* One seccomp rule: "name US action US errno US args" with args "index:op:value:valueTwo;..." */
struct oci_seccomp_rule {
  char *name, *args;
  unsigned long action;
};

struct oci_config {
  struct oci_ns ns[8];
  int n_ns;
  struct list uid_map, gid_map; /* "container host size" lines */
  struct oci_mount *mounts;
  int n_mounts, cap_mounts;
  uid_t uid;
  gid_t gid;
  struct list gids, sysctl, cap_b, cap_e, cap_p, cap_i, cap_a, sc_arch, sc_flag, hooks_cc, hooks_sc;
  int has_caps;
  long umask; /* -1: keep */
  struct oci_rlimit rlimits[32];
  int n_rlimits;
  char *oom_score_adj, *domainname, *exec_fifo, *console_socket, *pid_file, *state_json;
  long personality; /* -1: keep */
  unsigned long root_propagation;
  int no_pivot, new_keyring, detach;
  int seccomp;              /* a profile was given */
  unsigned long sc_default; /* libseccomp action */
  struct oci_seccomp_rule *rules;
  int n_rules, cap_rules;
};

struct oci_config *oci_of(struct config *cfg);
void oci_apply_security(struct config *cfg, int errfd);
void oci_run_hooks(struct config *cfg, struct list *hooks, const char *stage, int errfd);
#endif
