/*
 * Run mode: clone the container's PID 1 into new namespaces, hold it until the driver says "go", then
 * stay as its parent (the monitor): relay its output to the log, record how it ended, clean up.
 */
#include "helper.h"
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void loopback_up(int errfd) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
  if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0) report_child_error(errfd, 125, "reading the loopback interface: %s", strerror(errno));
  ifr.ifr_flags |= IFF_UP;
  if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) report_child_error(errfd, 125, "bringing the loopback interface up: %s", strerror(errno));
  close(s);
}

/* The pty is made inside the container's own devpts (so `tty` names /dev/pts/0 there); its master goes to
   the monitor over the console socket. */
static void container_pty(int console, int errfd) {
  int master, slave;
  char err[512];
  if (open_pty(&master, &slave, err, sizeof err) < 0) report_child_error(errfd, 125, "%s", err);
  if (ioctl(slave, TIOCSCTTY, 0) < 0) report_child_error(errfd, 125, "setting the controlling terminal: %s", strerror(errno));
  if (dup2(slave, 0) < 0 || dup2(slave, 1) < 0 || dup2(slave, 2) < 0) report_child_error(errfd, 125, "setting up stdio: %s", strerror(errno));
  close(slave);
  char byte = 'm';
  struct iovec iov = {&byte, 1};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &master, sizeof(int));
  if (sendmsg(console, &msg, 0) < 0) report_child_error(errfd, 125, "handing the terminal to the monitor: %s", strerror(errno));
  close(master);
  close(console);
}

static int receive_master(int console) {
  char byte;
  struct iovec iov = {&byte, 1};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
  ssize_t n;
  while ((n = recvmsg(console, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR) {}
  struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
  if (!c || c->cmsg_type != SCM_RIGHTS) return -1;
  int fd;
  memcpy(&fd, CMSG_DATA(c), sizeof(int));
  return fd;
}

void container_child(struct config *cfg, int sync_rd, int errfd, int in, int out, int err, int console) {
  reset_signals();
  /* Until "go" the container is ours alone: if the monitor dies first, so does it. */
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  char go;
  if (read(sync_rd, &go, 1) != 1) _exit(125);
  prctl(PR_SET_PDEATHSIG, 0);
  close(sync_rd);
  if (setsid() < 0) report_child_error(errfd, 125, "setsid: %s", strerror(errno));
  if (console < 0 && (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)) report_child_error(errfd, 125, "setting up stdio: %s", strerror(errno));
  /* The cgroups plugin attached us before "go": a cgroup namespace now makes that cgroup the container's
     root, so /proc/self/cgroup and the cgroupfs mounted below show only the container's own subtree. */
  if (unshare(CLONE_NEWCGROUP) < 0) report_child_error(errfd, 125, "creating the cgroup namespace: %s", strerror(errno));
  setup_rootfs(cfg, errfd);
  if (console >= 0) container_pty(console, errfd);
  if (!list_has(&cfg->shared, "net")) loopback_up(errfd);
  if (!list_has(&cfg->shared, "uts") && cfg->hostname && *cfg->hostname && sethostname(cfg->hostname, strlen(cfg->hostname)) < 0)
    report_child_error(errfd, 125, "sethostname: %s", strerror(errno));
  struct ids ids;
  resolve_user(cfg->user, &ids, errfd);
  finish_rootfs(cfg, errfd);
  apply_security(cfg, &ids, errfd);
  exec_command(cfg, &ids, errfd);
}

/* {"code":N,"signal":S}, written to a temporary file and renamed so readers never see half of it. */
static void write_exit_file(const char *path, int status) {
  if (!path || !*path) return;
  char tmp[4096], body[64];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  int n = snprintf(body, sizeof body, "{\"code\":%d,\"signal\":%d}\n", exit_code_of(status), WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return;
  int ok = write_all(fd, body, (size_t)n) == 0 && fsync(fd) == 0;
  close(fd);
  if (ok)
    rename(tmp, path);
  else
    unlink(tmp);
}

int run_mode(struct config *cfg) {
  char err[512];
  int sync[2], errp[2], joined[2], out[2] = {-1, -1}, errout[2] = {-1, -1}, console[2] = {-1, -1}, master = -1;
  (void)err;
  if (pipe2(sync, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 || pipe2(joined, O_CLOEXEC) < 0) die_ctl("creating pipes: %s", strerror(errno));
  if (cfg->tty) {
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, console) < 0) die_ctl("creating the console socket: %s", strerror(errno));
  } else if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errout, O_CLOEXEC) < 0) {
    die_ctl("creating pipes: %s", strerror(errno));
  }
  int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  int child_in = devnull;
  /* A -i container's stdin is a pipe we own, as Docker's daemon owns it: a foreground CLI's input (our
     stdin) and attached clients are all copied into it, and its end is ours to decide (StdinOnce). */
  int in[2] = {-1, -1};
  if (cfg->interactive && !cfg->tty) {
    if (pipe2(in, O_CLOEXEC) < 0) die_ctl("creating pipes: %s", strerror(errno));
    fcntl(in[1], F_SETFL, O_NONBLOCK);
    child_in = in[0];
  }
  /* The container's process re-executes itself from this sealed copy (stage.c); --init's init is it too. */
  int stage_exe = sealed_copy();
  if (stage_exe < 0) die_ctl("making the sealed copy of the helper for the container: %s", strerror(errno));
  static struct attach_server attach;
  if (attach_listen(&attach, cfg->attach_path) < 0) die_ctl("creating the attach socket %s: %s", cfg->attach_path, strerror(errno));

  unsigned long flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET;
  if (list_has(&cfg->shared, "net")) flags &= ~(unsigned long)CLONE_NEWNET;
  if (list_has(&cfg->shared, "uts")) flags &= ~(unsigned long)CLONE_NEWUTS;
  if (list_has(&cfg->shared, "ipc")) flags &= ~(unsigned long)CLONE_NEWIPC;
  char mount_err[512];
  if (mount_container_root(cfg, mount_err, sizeof mount_err) < 0) die_ctl("%s", mount_err);
  block_signals();
  pid_t pid = (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
  if (pid < 0) {
    int saved = errno;
    unmount_container_root(cfg);
    die_ctl("clone: %s", strerror(saved));
  }
  if (pid == 0) {
    /* First of all, before the re-exec and long before anything of the image: the cgroups plugin's limits
       hold from the first instruction, and the driver's check before "go" finds us in place (cgjoin.c). */
    join_cgroups(&cfg->cgroup_join);
    close(joined[0]);
    close(joined[1]);
    close(sync[1]);
    close(errp[0]);
    if (console[0] >= 0) close(console[0]);
    exec_container_stage(stage_exe, cfg->config_fd, sync[0], errp[1], child_in, out[1], errout[1], console[1]);
  }
  close(stage_exe);
  close(cfg->config_fd);
  close(sync[0]);
  close(errp[1]);
  if (console[1] >= 0) close(console[1]);
  if (out[1] >= 0) close(out[1]);
  if (errout[1] >= 0) close(errout[1]);
  if (in[0] >= 0) close(in[0]);
  close(devnull);
  /* "pid N" only once the child has joined its cgroups (or died): EOF when it closed its end. */
  close(joined[1]);
  char none;
  while (read(joined[0], &none, 1) < 0 && errno == EINTR) {}
  close(joined[0]);

  ctl_printf("pid %d\n", pid);
  char line[64];
  if (ctl_read_line(line, sizeof line) < 0 || strcmp(line, "go") != 0) {
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    unmount_container_root(cfg);
    _exit(125);
  }
  if (write(sync[1], "g", 1) != 1) die_ctl("releasing the container: %s", strerror(errno));
  close(sync[1]);

  if (console[0] >= 0) {
    master = receive_master(console[0]); /* -1 when the child failed first: its error follows */
    close(console[0]);
  }
  await_exec(errp[0], pid);

  struct logfile log;
  log_open(&log, cfg->log_path, cfg->log_max_size, cfg->log_max_files);
  static struct health health;
  health_init(&health, cfg);
  ctl_printf("started\n");
  struct supervision s = {.child = pid,
                          .ctl_open = 1,
                          .master = master,
                          .out_fd = out[0],
                          .err_fd = errout[0],
                          .relay_stdin = cfg->interactive && !cfg->detach,
                          .stdin_once = cfg->stdin_once,
                          .tee = !cfg->detach,
                          .tee_out = cfg->attach_stdout,
                          .tee_err = cfg->attach_stderr,
                          .client_in = cfg->interactive ? (master >= 0 ? master : in[1]) : -1,
                          .sig_proxy = cfg->sig_proxy,
                          .detach_keys = cfg->detach_keys,
                          .n_detach_keys = cfg->n_detach_keys,
                          .attach = attach.listen_fd >= 0 ? &attach : NULL,
                          .log = &log,
                          .health = health.argv ? &health : NULL};
  supervise(&s);
  unmount_container_root(cfg);
  log_close(&log);
  if (in[1] >= 0 && !s.stdin_closed) close(in[1]);
  int code = exit_code_of(s.status);
  write_exit_file(cfg->exit_file, s.status);
  attach_finish(&attach, code);
  /* A detached start lets go of the control socket right after "started": an "exit" written before it
     closed would be read by no one, and the clean-up (die, --rm, restart) would never run. */
  if (!cfg->detach && s.ctl_open && ctl_printf("exit %d\n", code) == 0) _exit(code);
  close(CTL_FD);
  finish_detached(cfg);
  _exit(code);
}
