/*
 * mydocker-oci's native front: the commands engines call most often on a container that exists (state,
 * start, kill, delete) answered in C from the state directory, everything else — and every case the front
 * is not sure of — handed to the Node runtime (bin/mydocker-oci-node) with the same arguments.
 */
#ifndef MYDOCKER_OCI_FRONT_H
#define MYDOCKER_OCI_FRONT_H
#include <stddef.h>
#include <sys/types.h>

/* A string value of state.json as it stands in the file (JSON-escaped, without its quotes). */
struct raw {
  const char *p;
  size_t n;
};

#define MAX_CGROUP_DIRS 16
#define MAX_ANNOTATIONS 64

/* What the front needs of <root>/<id>/state.json (written by src/state.ts; the format is in the README). */
struct state_file {
  struct raw id, bundle, rootfs, created;
  long pid;
  long long start_time; /* -1: not recorded */
  int has_start_time;
  struct raw ann_keys[MAX_ANNOTATIONS], ann_values[MAX_ANNOTATIONS];
  int n_ann;
  char *cgroup_dirs[MAX_CGROUP_DIRS]; /* distinct directories, decoded */
  char *cgroup_mounts[MAX_CGROUP_DIRS];
  int n_cgroup;
  char *freezer; /* freezer.state (v1) or cgroup.freeze (v2) of the container, or NULL */
  int freezer_v1;
  int cgroup_v2;
  int poststart, poststop; /* hooks present */
  char *text;              /* the file's bytes: the raw values point into it */
};

/* Global flags and the runtime log (runc's --log, --log-format). */
struct front {
  const char *root, *log, *log_format;
  char **argv; /* the original command line, for the hand-over to Node */
  int argc;
};

/* create/run's flags (src/main.ts COMMAND_FLAGS); bundle is absolute and normalized (path.resolve). */
struct createopts {
  const char *id, *bundle, *pid_file, *console_socket;
  int no_pivot, detach, keep, run;
};

/* create, or run (foreground or --detach), answered by the front (create.c); -1 before anything is left changed: Node answers. */
int cmd_create(struct front *f, const struct createopts *o);

/* path.resolve: absolute (against the working directory), normalized, without a trailing slash; -1 if too long. */
int resolve_path(const char *in, char *out, size_t len);

/* A small file's bytes, NUL-terminated (at most len - 1); -1 when it cannot be read. */
ssize_t read_small(const char *path, char *buf, size_t len);

/* The directory of this binary (bin/ of the package). */
void bin_dir(char *out, size_t len);

/* Hands the whole command line to the Node runtime; returns only if exec failed. */
void hand_over(struct front *f);

/* Reads and checks the state file; 0 on success, -1 when the front cannot read it (then Node answers). */
int load_state(const char *path, struct state_file *s);

/* Logs one error sentence (stderr and --log), returns runc's exit code 1. */
int fail(struct front *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The commands: each returns an exit code, or -1 when it did nothing and Node must answer instead. */
int cmd_state(struct front *f, const char *id);
int cmd_start(struct front *f, const char *id);
int cmd_kill(struct front *f, const char *id, const char *signal, int all);
int cmd_delete(struct front *f, const char *id, int force);

/* Container status from the kernel (src/state.ts statusOf); the process by its start time. */
int process_alive(const struct state_file *s);
int cgroup_frozen(const struct state_file *s);
int cgroup_pids(const struct state_file *s, long *pids, int max);
/* The cgroup's processes killed and its directories removed; 0, or -1 with a sentence in err. */
int cgroup_destroy(const struct state_file *s, char *err, size_t errlen);
void sleep_ms(long ms);
#endif
