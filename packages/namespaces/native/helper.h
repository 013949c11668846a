/* mydocker-init: shared declarations of the native helper. */
#ifndef MYDOCKER_HELPER_H
#define MYDOCKER_HELPER_H

#define _GNU_SOURCE
#include <stddef.h>
#include <sys/types.h>

#define CTL_FD 3
/* Descriptors from 4 up were handed over by the driver for the monitor to hold (ContainerContext.heldFds). */
#define FIRST_HELD_FD 4

struct mount_entry {
  char *type; /* "bind" or "tmpfs" */
  char *source;
  char *dest;
  int readonly;
  char *data;
};

/* A NULL-terminated array that grows as entries arrive: argv and envp are limited by the kernel, not by us. */
struct list {
  char **items;
  int n, cap;
};

/* A device node to create in the container (--device, or every host device with --privileged). */
struct device_entry {
  char *path; /* absolute, inside the container */
  char type;  /* 'c' or 'b' */
  unsigned major, minor;
  unsigned mode; /* permission bits */
  uid_t uid;
  gid_t gid;
};

/* The container's root as one mount(2), made by the monitor (rootfs-mount.c); type NULL: already mounted. */
struct rootfs_mount {
  char *type, *source, *options, *cwd;
};

struct config {
  char *mode; /* "run" or "exec" */
  char *rootfs;
  struct rootfs_mount rootfs_mount;
  struct list args, env, caps, masked, readonly_paths, exit_command, shared;
  struct mount_entry *mounts;
  int n_mounts, cap_mounts;
  struct device_entry *devices;
  int n_devices, cap_devices;
  char *hostname, *workdir, *user;
  int tty, interactive, detach, readonly_root, no_new_privs, seccomp, privileged;
  int stdin_once; /* Docker's StdinOnce: the end of the foreground CLI's input closes the container's stdin */
  char *log_path;
  long long log_max_size;
  int log_max_files;
  char *exit_file;
  char *exit_claim_file; /* present when the container ends: the command that stopped it settles it, no exit command */
  char *attach_path;     /* the attach socket, or NULL */
  int attach_stdout, attach_stderr, sig_proxy, init;
  unsigned char detach_keys[16]; /* run -it: the keys that detach the CLI (decoded from hex) */
  int n_detach_keys;
  int init_fd;            /* run --init: our sealed copy, exec'd as the container's PID 1 */
  pid_t target_pid;       /* exec mode */
  struct oci_config *oci; /* the OCI runtime's modes (oci.h), NULL for mydocker run/exec */
  /* restart.c: the restart command, run after the back-off the exit command asked for (a detached run
     always has one, so a policy set later by `update --restart` is honoured) */
  struct list restart_command;
  int die_with_monitor; /* a policy at launch: PID 1 gets PR_SET_PDEATHSIG, so a killed monitor is an exit */
  /* health.c: the health check's command, run every health_interval_ms while the container runs; during
     the first health_start_period_ms, until a check passes, every health_start_interval_ms instead */
  struct list health_command;
  long health_interval_ms;
  long health_start_interval_ms;
  long health_start_period_ms;
  int config_fd; /* run mode: a memfd holding the launch config as read, for the re-executed child (stage.c) */
  /* cgjoin.c: cgroup v1 directories the container's process joins itself right after the clone (run mode) */
  struct list cgroup_join;
};

/* config.c */
int read_config(int fd, struct config *cfg, char *err, size_t errlen);
int list_has(const struct list *l, const char *s);
int list_push(struct list *l, char *v);

/* cgjoin.c */
int cgroup_dir_acceptable(const char *dir);
int join_cgroups(const struct list *dirs);

/* util.c */
void die_ctl(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
int write_all(int fd, const void *buf, size_t len);
int ctl_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int ctl_read_line(char *buf, size_t len);
void report_child_error(int errfd, int code, const char *fmt, ...) __attribute__((noreturn, format(printf, 3, 4)));
void reset_signals(void);
void await_exec(int errfd, pid_t pid);
int open_in_root(int rootfd, const char *path, int flags);
int make_in_root(int rootfd, const char *path, int as_file, char *err, size_t errlen);

/* rootfs.c */
void setup_rootfs(struct config *cfg, int errfd);
void finish_rootfs(struct config *cfg, int errfd);
/* For the OCI mounts (ocimount.c): the same cgroupfs view and device nodes as mydocker run. */
void rootfs_cgroups(struct config *cfg, unsigned long flags);
void rootfs_devices(struct config *cfg);

/* oci*.c: the OCI runtime's modes (mydocker-oci) */
struct oci_config;
int oci_set_entry(struct config *cfg, const char *k, char *v);
void oci_mounts(struct config *cfg, int rootfd, int errfd);
void oci_enter_root(struct config *cfg, int rootfd, int errfd);
unsigned long oci_prepare_propagation(struct config *cfg);
int oci_create_mode(struct config *cfg) __attribute__((noreturn));
int oci_exec_mode(struct config *cfg) __attribute__((noreturn));
void oci_before_exec(struct config *cfg, int errfd);

/* rootfs-mount.c */
int mount_container_root(const struct config *cfg, char *err, size_t errlen);
void unmount_container_root(const struct config *cfg);

/* security.c */
struct ids {
  uid_t uid;
  gid_t gid;
  gid_t *groups; /* supplementary groups from the container's /etc/group, up to NGROUPS_MAX */
  int n_groups;
  char home[256];
};
void resolve_user(const char *spec, struct ids *ids, int errfd);
void apply_security(struct config *cfg, const struct ids *ids, int errfd);

/* execcmd.c */
void exec_command(struct config *cfg, const struct ids *ids, int errfd) __attribute__((noreturn));

/* logfile.c */
struct logfile {
  int fd;
  char *path;
  long long size, max_size;
  int max_files;
  int json; /* Docker's json-file format (the file is named <id>-json.log) instead of k8s-file */
};
void log_open(struct logfile *lf, const char *path, long long max_size, int max_files);
void log_write(struct logfile *lf, const char *stream, const char *buf, size_t len);
void log_close(struct logfile *lf);

/* monitor.c */
int run_mode(struct config *cfg) __attribute__((noreturn));
void container_child(struct config *cfg, int sync_rd, int errfd, int in, int out, int err, int console) __attribute__((noreturn));

/* stage.c: the container's process runs from a sealed copy, the monitor from the file */
#define STAGE_ARG "--container-stage"
int is_sealed(int fd);
int sealed_copy(void);
int config_to_memfd(int from, char *err, size_t errlen);
void exec_container_stage(int exe, int config_fd, int sync_rd, int errfd, int in, int out, int err, int console) __attribute__((noreturn));
int container_stage_main(int argc, char **argv) __attribute__((noreturn));

/* init.c */
int init_main(int argc, char **argv);

/* nsexec.c */
int exec_mode(struct config *cfg) __attribute__((noreturn));

/* terminal.c */
void set_raw_mode(int fd);
void restore_terminal(void);
void copy_winsize(int from, int to);
int open_pty(int *master, int *slave, char *err, size_t errlen);

/* attach.c */
struct attach_client {
  int fd;
  int got; /* header bytes read so far */
  unsigned char head[5];
  unsigned char size[4];
  unsigned left, body; /* payload bytes still to read, and read */
};
struct attach_server {
  int listen_fd, dirfd; /* -1 when there is no attach socket */
  char name[72];
  struct attach_client *clients;
  int n, cap;
  char pending[4096]; /* client input the container's stdin could not take yet */
  size_t pending_len, pending_off;
  int stdin_end; /* a client ended its input (StdinOnce): close the stdin pipe once pending is written */
};
int attach_listen(struct attach_server *a, const char *path);
void attach_accept(struct attach_server *a);
void attach_output(struct attach_server *a, int stream, const char *buf, size_t len);
void attach_read(struct attach_server *a, int i, int stdin_fd, int master);
int attach_flush(struct attach_server *a, int stdin_fd);
void attach_finish(struct attach_server *a, int code);

/* health.c: the periodic health check, driven by the monitor's poll loop */
struct health {
  char **argv; /* NULL: no health check */
  long interval_ms;
  long start_interval_ms;  /* 0: no start interval */
  long long start_ends_ms; /* CLOCK_MONOTONIC end of the start period */
  int passed;              /* a check has exited 0: the status left "starting" */
  pid_t pid;               /* the running check, or 0 */
  long long due_ms;        /* CLOCK_MONOTONIC time of the next check */
};
void health_init(struct health *h, struct config *cfg);
int health_poll_timeout(const struct health *h);
void health_tick(struct health *h);
void health_reap(struct health *h);
void health_stop(struct health *h);

/* restart.c */
void finish_detached(struct config *cfg);

/* supervise.c */
struct supervision {
  pid_t child;
  int ctl_open;                     /* the driver still listens on the control socket */
  int master;                       /* pty master, or -1 */
  int out_fd, err_fd;               /* the container's stdout/stderr pipes, or -1 */
  int relay_stdin;                  /* copy our stdin into the pty, or into the stdin pipe (client_in) */
  int stdin_once;                   /* our stdin's end closes the stdin pipe; else it only ends our output (Docker's CopyStreams) */
  int tee;                          /* copy output to our stdout/stderr */
  int tee_out, tee_err;             /* which of them (run -a): both unless told */
  int client_in;                    /* where attached clients' input goes: the container's stdin pipe or pty, or -1 */
  int sig_proxy;                    /* forward the signals we receive to the container */
  struct attach_server *attach;     /* or NULL */
  const unsigned char *detach_keys; /* typed on our stdin: the CLI detaches, the container runs on */
  int n_detach_keys;
  struct logfile *log;
  struct health *health; /* or NULL */
  int status;            /* wait status once the child ended */
  int stdin_closed;      /* supervise closed client_in (a client's end of input): not closed again */
};
void block_signals(void);
void supervise(struct supervision *s);
int exit_code_of(int status);

#endif
