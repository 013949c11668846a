/*
 * mydocker-oci's modes. oci-create: clone the container's process into config.json's namespaces (new, or
 * joined by path), set it up completely, and leave it blocked on the exec FIFO before execve: `start`
 * opens the FIFO and it goes on. The helper then exits (a detached create) so the container is re-parented
 * to whoever spawned the runtime and set itself up as subreaper (conmon, containerd's shim), as with runc;
 * or, for a foreground `run`, it stays and reports the exit code. oci-exec: one more process in them.
 */
#include "oci.h"
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define FAIL(...) report_child_error(errfd, 125, __VA_ARGS__)

/* The --console-socket: connected from the host's mount namespace, before any setns or pivot_root. */
static int connect_console(const char *path) {
  if (!path || !*path) return -1;
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof addr.sun_path) die_ctl("the console socket path %s is too long", path);
  strcpy(addr.sun_path, path);
  if (s < 0 || connect(s, (struct sockaddr *)&addr, sizeof addr) < 0) die_ctl("connecting to the console socket %s: %s", path, strerror(errno));
  return s;
}

/* A pty from the container's devpts becomes our controlling terminal; its master goes out by SCM_RIGHTS. */
static void send_pty(int console, int errfd) {
  int master, slave;
  char err[512];
  if (open_pty(&master, &slave, err, sizeof err) < 0) FAIL("%s", err);
  if (ioctl(slave, TIOCSCTTY, 0) < 0) FAIL("setting the controlling terminal: %s", strerror(errno));
  if (dup2(slave, 0) < 0 || dup2(slave, 1) < 0 || dup2(slave, 2) < 0) FAIL("setting up stdio: %s", strerror(errno));
  if (slave > 2) close(slave);
  char name[] = "/dev/ptmx";
  struct iovec iov = {name, sizeof name - 1};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  memset(&u, 0, sizeof u);
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &master, sizeof(int));
  if (sendmsg(console, &msg, 0) < 0) FAIL("sending the terminal to the console socket: %s", strerror(errno));
  close(master);
  close(console);
}

static int has_new(struct oci_config *o, int flag) {
  for (int i = 0; i < o->n_ns; i++)
    if (o->ns[i].flag == flag && !o->ns[i].path) return 1;
  return 0;
}

/* The namespaces given by path, user first (the others may belong to it), mount last. */
static void join_paths(struct oci_config *o) {
  static const int order[] = {CLONE_NEWUSER, CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWNET, CLONE_NEWPID, CLONE_NEWCGROUP, CLONE_NEWNS};
  int fds[8];
  for (int i = 0; i < o->n_ns; i++) {
    fds[i] = -1;
    if (o->ns[i].path && (fds[i] = open(o->ns[i].path, O_RDONLY | O_CLOEXEC)) < 0) die_ctl("opening the namespace %s: %s", o->ns[i].path, strerror(errno));
  }
  for (size_t k = 0; k < sizeof order / sizeof *order; k++)
    for (int i = 0; i < o->n_ns; i++)
      if (fds[i] >= 0 && o->ns[i].flag == order[k]) {
        if (setns(fds[i], order[k]) < 0) die_ctl("joining the namespace %s: %s", o->ns[i].path, strerror(errno));
        close(fds[i]);
      }
}

static void write_maps(pid_t pid, struct oci_config *o) {
  char path[64], buf[4096];
  const struct list *maps[2] = {&o->uid_map, &o->gid_map};
  if (o->gid_map.n) {
    snprintf(path, sizeof path, "/proc/%d/setgroups", (int)pid);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd >= 0) close(fd); /* left "allow": we are privileged in the parent namespace */
  }
  for (int m = 0; m < 2; m++) {
    if (!maps[m]->n) continue;
    size_t len = 0;
    for (int i = 0; i < maps[m]->n; i++) len += (size_t)snprintf(buf + len, sizeof buf - len, "%s\n", maps[m]->items[i]);
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, m ? "gid_map" : "uid_map");
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write_all(fd, buf, len) < 0) die_ctl("writing the %s: %s", m ? "gid_map" : "uid_map", strerror(errno));
    close(fd);
  }
}

static void oci_container_child(struct config *cfg, int sync_rd, int errfd, int console, int fifo) {
  struct oci_config *o = cfg->oci;
  reset_signals();
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  char go;
  if (read(sync_rd, &go, 1) != 1) _exit(125);
  prctl(PR_SET_PDEATHSIG, 0);
  /* After "g": the container's state JSON (with its pid, known only now) for the hooks run inside it. */
  size_t len = 0, cap = 4096;
  char *state = malloc(cap);
  ssize_t n;
  while (state && (n = read(sync_rd, state + len, cap - len - 1)) > 0) {
    len += (size_t)n;
    if (len + 1 == cap && !(state = realloc(state, cap *= 2))) break;
  }
  if (state && len) {
    state[len] = 0;
    o->state_json = state;
  }
  close(sync_rd);
  if (has_new(o, CLONE_NEWUSER) && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
    FAIL("becoming root in the user namespace (is uid/gid 0 mapped?): %s", strerror(errno));
  if (setsid() < 0) FAIL("setsid: %s", strerror(errno));
  /* Attached to the cgroup before "go": a new cgroup namespace now roots the container there. */
  if (has_new(o, CLONE_NEWCGROUP) && unshare(CLONE_NEWCGROUP) < 0) FAIL("creating the cgroup namespace: %s", strerror(errno));
  if (has_new(o, CLONE_NEWNS))
    setup_rootfs(cfg, errfd);
  else
    FAIL("a container without its own mount namespace is not supported");
  if (cfg->hostname && *cfg->hostname && sethostname(cfg->hostname, strlen(cfg->hostname)) < 0) FAIL("sethostname: %s", strerror(errno));
  if (o->domainname && *o->domainname && setdomainname(o->domainname, strlen(o->domainname)) < 0) FAIL("setdomainname: %s", strerror(errno));
  if (console >= 0) send_pty(console, errfd);
  finish_rootfs(cfg, errfd);
  oci_apply_security(cfg, errfd);
  struct ids ids = {.uid = o->uid, .gid = o->gid};
  snprintf(ids.home, sizeof ids.home, "/");
  (void)fifo;
  exec_command(cfg, &ids, errfd);
}

/* Called by exec_command after the PATH lookup, just before execve: wait for `start` on the exec FIFO. */
void oci_before_exec(struct config *cfg, int errfd) {
  struct oci_config *o = cfg->oci;
  if (!o->exec_fifo) return;
  int fifo = atoi(o->exec_fifo);
  char p[64];
  snprintf(p, sizeof p, "/proc/self/fd/%d", fifo);
  /* Set up and found the command: the helper may now say "created". Later errors go to our stderr. */
  close(errfd);
  int fd = open(p, O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    fprintf(stderr, "mydocker-oci: waiting for start on the exec FIFO: %s\n", strerror(errno));
    _exit(125);
  }
  if (write(fd, "0", 1) != 1) _exit(125);
  close(fd);
  close(fifo);
  int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
  oci_run_hooks(cfg, &o->hooks_sc, "startContainer", devnull >= 0 ? devnull : 2);
  if (devnull >= 0) close(devnull);
}

static pid_t g_child;
static void forward(int sig) {
  if (g_child > 0) kill(g_child, sig);
}

/* After "started": stay as the parent and report the exit code (a foreground run), or leave. */
static void after_start(pid_t pid) {
  char line[64];
  if (ctl_read_line(line, sizeof line) < 0 || strcmp(line, "wait") != 0) _exit(0);
  g_child = pid;
  static const int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
  for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) signal(sigs[i], forward);
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) _exit(125);
  int code = exit_code_of(status);
  ctl_printf("exit %d\n", code);
  _exit(code);
}

int oci_create_mode(struct config *cfg) {
  struct oci_config *o = oci_of(cfg);
  int sync[2], errp[2];
  if (pipe2(sync, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) die_ctl("creating pipes: %s", strerror(errno));
  int console = cfg->tty ? connect_console(o->console_socket) : -1;
  if (cfg->tty && console < 0) die_ctl("a terminal needs --console-socket");
  int fifo = -1;
  if (o->exec_fifo) {
    /* Mode 0622 as runc's: only root reads it (start), the container's user may write it. */
    mode_t old = umask(0);
    if (mkfifo(o->exec_fifo, 0622) < 0) die_ctl("creating the exec FIFO %s: %s", o->exec_fifo, strerror(errno));
    umask(old);
    fifo = open(o->exec_fifo, O_PATH | O_CLOEXEC);
    if (fifo < 0) die_ctl("opening the exec FIFO %s: %s", o->exec_fifo, strerror(errno));
    static char num[16];
    snprintf(num, sizeof num, "%d", fifo);
    o->exec_fifo = num;
  }
  join_paths(o);
  unsigned long flags = 0;
  for (int i = 0; i < o->n_ns; i++)
    if (!o->ns[i].path && o->ns[i].flag != CLONE_NEWCGROUP) flags |= (unsigned long)o->ns[i].flag;
  pid_t pid = (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
  if (pid < 0) die_ctl("clone: %s", strerror(errno));
  if (pid == 0) {
    close(sync[1]);
    close(errp[0]);
    oci_container_child(cfg, sync[0], errp[1], console, fifo);
  }
  close(sync[0]);
  close(errp[1]);
  if (console >= 0) close(console);
  if (fifo >= 0) close(fifo);
  if (flags & CLONE_NEWUSER) write_maps(pid, o);
  ctl_printf("pid %d\n", pid);
  /* "state JSON" (optional), then "go" once the driver attached the cgroup and ran the runtime hooks. */
  static char line[65536];
  if (ctl_read_line(line, sizeof line) >= 0 && strncmp(line, "state ", 6) == 0) {
    o->state_json = strdup(line + 6);
    if (ctl_read_line(line, sizeof line) < 0) line[0] = 0;
  }
  if (strcmp(line, "go") != 0) {
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    _exit(125);
  }
  if (write(sync[1], "g", 1) != 1) die_ctl("releasing the container: %s", strerror(errno));
  if (o->state_json) write_all(sync[1], o->state_json, strlen(o->state_json));
  close(sync[1]);
  await_exec(errp[0], pid);
  ctl_printf("started\n");
  after_start(pid);
  _exit(0);
}

/* runc exec: the target's namespaces (user first, mount last), one process, its security from process.json. */
int oci_exec_mode(struct config *cfg) {
  struct oci_config *o = oci_of(cfg);
  static const char *const names[] = {"user", "ipc", "uts", "net", "pid", "cgroup", "mnt"};
  int fds[7];
  if (cfg->target_pid <= 0) die_ctl("exec needs the container's pid");
  for (int i = 0; i < 7; i++) {
    char path[64], own[64];
    struct stat a, b;
    snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)cfg->target_pid, names[i]);
    snprintf(own, sizeof own, "/proc/self/ns/%s", names[i]);
    fds[i] = open(path, O_RDONLY | O_CLOEXEC);
    if (fds[i] < 0) die_ctl("the container is not running (opening %s: %s)", path, strerror(errno));
    if (stat(own, &a) == 0 && fstat(fds[i], &b) == 0 && a.st_ino == b.st_ino) {
      close(fds[i]);
      fds[i] = -1;
    }
  }
  int console = cfg->tty ? connect_console(o->console_socket) : -1;
  if (cfg->tty && console < 0) die_ctl("a terminal needs --console-socket");
  int errp[2];
  if (pipe2(errp, O_CLOEXEC) < 0) die_ctl("creating a pipe: %s", strerror(errno));
  ctl_printf("pid %d\n", (int)getpid());
  char line[64];
  if (ctl_read_line(line, sizeof line) < 0 || strcmp(line, "go") != 0) _exit(125);
  for (int i = 0; i < 7; i++) {
    if (fds[i] < 0) continue;
    if (setns(fds[i], 0) < 0) die_ctl("joining the container's %s namespace: %s", names[i], strerror(errno));
    close(fds[i]);
  }
  pid_t pid = fork();
  if (pid < 0) die_ctl("fork: %s", strerror(errno));
  if (pid == 0) {
    int errfd = errp[1];
    reset_signals();
    close(errp[0]);
    if (setsid() < 0) FAIL("setsid: %s", strerror(errno));
    if (console >= 0) send_pty(console, errfd);
    const char *wd = cfg->workdir && *cfg->workdir ? cfg->workdir : "/";
    if (chdir(wd) < 0) FAIL("chdir to cwd (\"%s\") set in config.json failed: %s", wd, strerror(errno));
    oci_apply_security(cfg, errfd);
    struct ids ids = {.uid = o->uid, .gid = o->gid};
    snprintf(ids.home, sizeof ids.home, "/");
    exec_command(cfg, &ids, errfd);
  }
  close(errp[1]);
  if (console >= 0) close(console);
  await_exec(errp[0], pid);
  ctl_printf("started %d\n", (int)pid);
  after_start(pid);
  _exit(0);
}
