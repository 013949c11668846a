/*
 * The monitor's loop (run and exec modes alike): poll the container's output, our stdin, the control
 * socket and a signalfd; relay bytes, forward signals, reap the child. No busy loop: everything blocks in poll.
 */
#include "helper.h"
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

static sigset_t watched(void) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  sigaddset(&set, SIGWINCH);
  for (size_t i = 0; i < sizeof forwarded / sizeof *forwarded; i++) sigaddset(&set, forwarded[i]);
  return set;
}

/* Before clone/fork, so no signal is lost between the child's birth and the signalfd. */
void block_signals(void) {
  sigset_t set = watched();
  sigprocmask(SIG_BLOCK, &set, NULL);
  signal(SIGPIPE, SIG_IGN);
}

int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 125;
}

/* One read from FD: to the log (as STREAM) and our TO fd. Returns 0 when the stream ended. */
static int pump(struct supervision *s, int fd, const char *stream, int to) {
  static char buf[32768];
  ssize_t n = read(fd, buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return 1;
  if (n <= 0) return 0; /* EOF, or EIO from a pty whose slave side is gone */
  log_write(s->log, stream, buf, (size_t)n);
  if (s->tee && to >= 0 && write_all(to, buf, (size_t)n) < 0) s->tee = 0;
  return 1;
}

void supervise(struct supervision *s) {
  sigset_t set = watched();
  int sfd = signalfd(-1, &set, SFD_CLOEXEC);
  int child_done = 0, stdin_open = s->relay_stdin && s->master >= 0;
  if (s->master >= 0) copy_winsize(0, s->master);
  if (stdin_open) set_raw_mode(0);
  for (;;) {
    int outputs_open = s->master >= 0 || s->out_fd >= 0 || s->err_fd >= 0;
    if (child_done && !outputs_open) break;
    struct pollfd p[6];
    int n = 0, i_sig = -1, i_ctl = -1, i_in = -1, i_m = -1, i_out = -1, i_err = -1;
    p[i_sig = n++] = (struct pollfd){sfd, POLLIN, 0};
    if (s->ctl_open) p[i_ctl = n++] = (struct pollfd){CTL_FD, POLLIN, 0};
    if (stdin_open && !child_done) p[i_in = n++] = (struct pollfd){0, POLLIN, 0};
    if (s->master >= 0) p[i_m = n++] = (struct pollfd){s->master, POLLIN, 0};
    if (s->out_fd >= 0) p[i_out = n++] = (struct pollfd){s->out_fd, POLLIN, 0};
    if (s->err_fd >= 0) p[i_err = n++] = (struct pollfd){s->err_fd, POLLIN, 0};
    /* Once PID 1 is gone the kernel kills the rest of its namespace; its pipes close within moments. */
    int rc = poll(p, (nfds_t)n, child_done ? 2000 : -1);
    if (rc < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (rc == 0) break;
    if (p[i_sig].revents & POLLIN) {
      struct signalfd_siginfo si;
      while (read(sfd, &si, sizeof si) == sizeof si) {
        int sig = (int)si.ssi_signo;
        if (sig == SIGCHLD) {
          int status;
          if (!child_done && waitpid(s->child, &status, WNOHANG) == s->child) {
            child_done = 1;
            s->status = status;
          }
        } else if (sig == SIGWINCH) {
          if (s->master >= 0) copy_winsize(0, s->master);
        } else if (!child_done) {
          kill(s->child, sig);
        }
        break;
      }
    }
    if (i_ctl >= 0 && p[i_ctl].revents) {
      char junk[64];
      ssize_t r = read(CTL_FD, junk, sizeof junk);
      if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN)) s->ctl_open = 0;
    }
    if (i_in >= 0 && p[i_in].revents) {
      char buf[4096];
      ssize_t r = read(0, buf, sizeof buf);
      if (r > 0) write_all(s->master, buf, (size_t)r);
      else if (r == 0 || errno != EINTR) stdin_open = 0;
    }
    if (i_m >= 0 && p[i_m].revents && !pump(s, s->master, "stdout", 1)) {
      close(s->master);
      s->master = -1;
    }
    if (i_out >= 0 && p[i_out].revents && !pump(s, s->out_fd, "stdout", 1)) {
      close(s->out_fd);
      s->out_fd = -1;
    }
    if (i_err >= 0 && p[i_err].revents && !pump(s, s->err_fd, "stderr", 2)) {
      close(s->err_fd);
      s->err_fd = -1;
    }
  }
  if (!child_done) {
    /* Output ended first (or the drain timed out before the child was reaped): wait for it. */
    while (waitpid(s->child, &s->status, 0) < 0 && errno == EINTR) {
    }
  }
  restore_terminal();
  close(sfd);
}
