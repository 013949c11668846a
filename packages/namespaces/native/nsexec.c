/*
 * Exec mode (`mydocker exec`): join a running container's namespaces and run one more process in it.
 * The parent stays outside the PID namespace (setns(pid) only affects children) and relays the pty.
 */
#include "helper.h"
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* mnt last: after it, /proc/PID/ns of the target may no longer be reachable by path. */
static const char *const namespaces[] = {"ipc", "uts", "net", "pid", "cgroup", "mnt"};
#define N_NS (sizeof namespaces / sizeof *namespaces)

static int same_ns(const char *name, int fd) {
  char own[64];
  struct stat a, b;
  snprintf(own, sizeof own, "/proc/self/ns/%s", name);
  return stat(own, &a) == 0 && fstat(fd, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

int exec_mode(struct config *cfg) {
  if (cfg->target_pid <= 0) die_ctl("exec needs the container's pid");
  int fds[N_NS];
  for (size_t i = 0; i < N_NS; i++) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)cfg->target_pid, namespaces[i]);
    fds[i] = open(path, O_RDONLY | O_CLOEXEC);
    if (fds[i] < 0 && !(errno == ENOENT && strcmp(namespaces[i], "cgroup") == 0))
      die_ctl("the container is not running (opening %s: %s)", path, strerror(errno));
    if (fds[i] >= 0 && same_ns(namespaces[i], fds[i])) {
      close(fds[i]);
      fds[i] = -1;
    }
  }
  int errp[2];
  if (pipe2(errp, O_CLOEXEC) < 0) die_ctl("creating a pipe: %s", strerror(errno));

  ctl_printf("pid %d\n", (int)getpid());
  /* "winsize ROWS COLS" lines may come before "go" (a driver without a terminal: the Engine API's exec):
     the pty gets that size before the command runs, so it never sees 0x0. */
  char line[64];
  struct winsize ws = {0};
  for (;;) {
    if (ctl_read_line(line, sizeof line) < 0) _exit(125);
    if (sscanf(line, "winsize %hu %hu", &ws.ws_row, &ws.ws_col) == 2) continue;
    if (strcmp(line, "go") != 0) _exit(125);
    break;
  }
  for (size_t i = 0; i < N_NS; i++) {
    if (fds[i] < 0) continue;
    if (setns(fds[i], 0) < 0) die_ctl("joining the container's %s namespace: %s", namespaces[i], strerror(errno));
    close(fds[i]);
  }
  /* Inside the container's mount namespace now: the pty comes from its devpts, as /dev/pts/N there. */
  char err[512];
  int master = -1, slave = -1;
  if (cfg->tty && open_pty(&master, &slave, err, sizeof err) < 0) die_ctl("%s", err);
  if (master >= 0 && (ws.ws_row || ws.ws_col)) ioctl(master, TIOCSWINSZ, &ws);
  block_signals();
  pid_t pid = fork();
  if (pid < 0) die_ctl("fork: %s", strerror(errno));
  if (pid == 0) {
    reset_signals();
    close(errp[0]);
    if (cfg->tty) {
      setsid();
      if (ioctl(slave, TIOCSCTTY, 0) < 0) report_child_error(errp[1], 125, "setting the controlling terminal: %s", strerror(errno));
      dup2(slave, 0);
      dup2(slave, 1);
      dup2(slave, 2);
    } else if (!cfg->interactive) {
      int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (null >= 0) dup2(null, 0);
    }
    const char *wd = cfg->workdir && *cfg->workdir ? cfg->workdir : "/";
    if (chdir(wd) < 0) report_child_error(errp[1], 126, "chdir to cwd (\"%s\") set in config.json failed: %s", wd, strerror(errno));
    struct ids ids;
    resolve_user(cfg->user, &ids, errp[1]);
    apply_security(cfg, &ids, errp[1]);
    exec_command(cfg, &ids, errp[1]);
  }
  close(errp[1]);
  if (slave >= 0) close(slave);
  await_exec(errp[0], pid);
  ctl_printf("started\n");
  struct supervision s = {.child = pid,
                          .ctl_open = 1,
                          .master = master,
                          .out_fd = -1,
                          .err_fd = -1,
                          .relay_stdin = cfg->interactive,
                          .tee = 1,
                          .tee_out = 1,
                          .tee_err = 1,
                          .client_in = -1,
                          .sig_proxy = 1,
                          .attach = NULL,
                          .log = NULL};
  supervise(&s);
  int code = exit_code_of(s.status);
  ctl_printf("exit %d\n", code);
  _exit(code);
}
