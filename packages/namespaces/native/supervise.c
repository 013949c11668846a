/*
 * The monitor's loop (run and exec modes alike): poll the container's output, our stdin, the control
 * socket and a signalfd; relay bytes, forward signals, reap the child. No busy loop: everything blocks in poll.
 */
#include "helper.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
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

/* One read from FD: to the log (as STREAM), attached clients, and our TO fd. Returns 0 when the stream ended. */
static int pump(struct supervision *s, int fd, const char *stream, int to) {
  static char buf[32768];
  ssize_t n = read(fd, buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return 1;
  if (n <= 0) return 0; /* EOF, or EIO from a pty whose slave side is gone */
  log_write(s->log, stream, buf, (size_t)n);
  if (s->attach) attach_output(s->attach, to, buf, (size_t)n);
  int wanted = to == 1 ? s->tee_out : s->tee_err;
  if (s->tee && wanted && write_all(to, buf, (size_t)n) < 0) s->tee = 0;
  return 1;
}

/*
 * Copies BUF to the pty, watching for the detach keys: bytes that may begin them are held until it is
 * clear they do not (as Docker's escape proxy does). Returns 1 once the whole sequence was typed.
 */
static int relay_with_keys(struct supervision *s, const char *buf, size_t len, int *matched) {
  char out[4096 + 16];
  size_t o = 0;
  int done = 0;
  for (size_t i = 0; i < len && !done; i++) {
    unsigned char b = (unsigned char)buf[i];
    if (b == s->detach_keys[*matched]) {
      done = ++*matched == s->n_detach_keys;
      continue;
    }
    for (int k = 0; k < *matched; k++) out[o++] = (char)s->detach_keys[k];
    *matched = 0;
    if (b == s->detach_keys[0])
      *matched = 1;
    else
      out[o++] = (char)b;
  }
  if (o > 0) write_all(s->master, out, o);
  return done;
}

/* The detach keys were typed: the CLI goes, the container runs on as if started with -d. */
static void detach_cli(struct supervision *s) {
  restore_terminal();
  if (s->ctl_open) ctl_printf("detached\n");
  close(CTL_FD);
  s->ctl_open = 0;
  s->tee = 0;
  int devnull = open("/dev/null", O_RDWR);
  if (devnull >= 0) {
    dup2(devnull, 0);
    dup2(devnull, 1);
    dup2(devnull, 2);
    if (devnull > 2) close(devnull);
  }
}

/*
 * Lines from the driver once the process runs: "winsize ROWS COLS" sets the pty's size (an exec's driver
 * has no terminal to copy it from: the Engine API's exec resize comes this way). Anything else is ignored.
 */
static void ctl_input(struct supervision *s) {
  static char line[64];
  static size_t len;
  char buf[64];
  ssize_t r = read(CTL_FD, buf, sizeof buf);
  if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN)) s->ctl_open = 0;
  for (ssize_t i = 0; i < r; i++) {
    if (buf[i] != '\n') {
      if (len + 1 < sizeof line) line[len++] = buf[i];
      continue;
    }
    line[len] = 0;
    len = 0;
    unsigned short rows, cols;
    if (s->master >= 0 && sscanf(line, "winsize %hu %hu", &rows, &cols) == 2) {
      struct winsize ws = {.ws_row = rows, .ws_col = cols};
      ioctl(s->master, TIOCSWINSZ, &ws);
    }
  }
}

/* Our own input (a foreground CLI's stdin) that the container's stdin pipe could not take yet. */
struct own_input {
  char buf[32768];
  size_t len, off;
};

/* Writes what is left without blocking; -1 once the container's side of the pipe is closed (the rest is dropped). */
static int own_flush(struct own_input *in, int fd) {
  while (in->off < in->len) {
    ssize_t n = write(fd, in->buf + in->off, in->len - in->off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return 0;
    if (n <= 0) {
      in->len = in->off = 0;
      return -1;
    }
    in->off += (size_t)n;
  }
  in->len = in->off = 0;
  return 0;
}

static int client_pending(const struct attach_server *a) {
  return a && a->pending_len > a->pending_off;
}

void supervise(struct supervision *s) {
  sigset_t set = watched();
  int sfd = signalfd(-1, &set, SFD_CLOEXEC);
  struct attach_server *a = s->attach;
  int client_in = s->client_in, matched = 0;
  /* Without a pty our stdin goes into the container's stdin pipe (client_in), as an attached client's does. */
  int to_pipe = s->master < 0 && client_in >= 0;
  int child_done = 0, stdin_open = s->relay_stdin && (s->master >= 0 || to_pipe);
  int input_ended = 0;         /* our input ended on a StdinOnce container: its pipe closes once all of it is in */
  static struct own_input own; /* static: its pages cost nothing until a foreground -i run uses them */
  if (s->master >= 0) copy_winsize(0, s->master);
  if (stdin_open && s->master >= 0) set_raw_mode(0);
  struct pollfd *p = NULL;
  int p_cap = 0;
  /* Clients that connected between the spawn and "go" (the Engine API attaches before `start`) are taken
     before the first output is read, so they see all of it. */
  if (a && a->listen_fd >= 0) attach_accept(a);
  for (;;) {
    int outputs_open = s->master >= 0 || s->out_fd >= 0 || s->err_fd >= 0;
    if (child_done && !outputs_open) break;
    /* Checked every turn, not only on a poll time-out: a container that writes all the time still gets its checks. */
    if (s->health && !child_done) health_tick(s->health);
    int want = 8 + (a ? a->n : 0);
    if (want > p_cap) {
      struct pollfd *np = realloc(p, (size_t)want * sizeof *p);
      if (!np) break;
      p = np;
      p_cap = want;
    }
    int n = 0, i_sig = -1, i_ctl = -1, i_in = -1, i_m = -1, i_out = -1, i_err = -1, i_listen = -1, i_pend = -1, i_clients = -1;
    if (a && client_in < 0) a->pending_len = a->pending_off = 0;
    if (client_in < 0 && own.len) own.len = own.off = 0; /* written only when used: an idle monitor never touches its page */
    /* One writer at a time into the pipe, whole reads each: ours and the clients' bytes never interleave. */
    int pending = client_pending(a) || own.len > own.off;
    p[i_sig = n++] = (struct pollfd){sfd, POLLIN, 0};
    if (s->ctl_open) p[i_ctl = n++] = (struct pollfd){CTL_FD, POLLIN, 0};
    if (stdin_open && !child_done && !(to_pipe && pending)) p[i_in = n++] = (struct pollfd){0, POLLIN, 0};
    if (s->master >= 0) p[i_m = n++] = (struct pollfd){s->master, POLLIN, 0};
    if (s->out_fd >= 0) p[i_out = n++] = (struct pollfd){s->out_fd, POLLIN, 0};
    if (s->err_fd >= 0) p[i_err = n++] = (struct pollfd){s->err_fd, POLLIN, 0};
    if (a && a->listen_fd >= 0) p[i_listen = n++] = (struct pollfd){a->listen_fd, POLLIN, 0};
    if (pending) p[i_pend = n++] = (struct pollfd){client_in, POLLOUT, 0};
    /* Clients are read only when their input can go somewhere at once; output to them never waits. */
    int n_clients = a && !pending ? a->n : 0;
    i_clients = n;
    for (int c = 0; c < n_clients; c++) p[n++] = (struct pollfd){a->clients[c].fd, POLLIN, 0};
    /* Once PID 1 is gone the kernel kills the rest of its namespace; its pipes close within moments. */
    int rc = poll(p, (nfds_t)n, child_done ? 2000 : s->health ? health_poll_timeout(s->health) : -1);
    if (rc < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (rc == 0) {
      if (child_done) break;
      continue; /* a health check is due */
    }
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
          if (s->health) health_reap(s->health);
        } else if (sig == SIGWINCH) {
          if (s->master >= 0) copy_winsize(0, s->master);
        } else if (!child_done && s->sig_proxy) {
          kill(s->child, sig);
        }
        break;
      }
    }
    if (i_ctl >= 0 && p[i_ctl].revents) ctl_input(s);
    if (i_pend >= 0 && p[i_pend].revents) {
      if (client_pending(a))
        attach_flush(a, client_in);
      else if (own_flush(&own, client_in) < 0)
        stdin_open = 0; /* the container closed its stdin: nothing more of ours can go in */
    }
    /* Before any output (which may drop clients), backwards:: attach_read may drop client c, moving the last one into its place. */
    for (int c = n_clients - 1; c >= 0; c--)
      if (p[i_clients + c].revents) attach_read(a, c, client_in, s->master);
    if (i_in >= 0 && p[i_in].revents && to_pipe) {
      /* A client read in this same turn may have left bytes pending: ours wait for the next turn. */
      ssize_t r = client_pending(a) ? -2 : read(0, own.buf, sizeof own.buf);
      if (r > 0) {
        own.len = (size_t)r;
        own.off = 0;
        if (own_flush(&own, client_in) < 0) stdin_open = 0;
      } else if (r == 0 || (r == -1 && errno != EINTR && errno != EAGAIN)) {
        /* Docker's end of an attach's input (moby stream.CopyStreams): a StdinOnce container's stdin closes;
           any other keeps it for the next client, and only the copy of its output to us ends (we still wait
           for its exit). */
        stdin_open = 0;
        if (s->stdin_once)
          input_ended = 1;
        else
          s->tee = 0;
      }
    } else if (i_in >= 0 && p[i_in].revents) {
      char buf[4096];
      ssize_t r = read(0, buf, sizeof buf);
      if (r > 0 && s->n_detach_keys > 0) {
        if (relay_with_keys(s, buf, (size_t)r, &matched)) {
          detach_cli(s);
          stdin_open = 0;
        }
      } else if (r > 0) {
        write_all(s->master, buf, (size_t)r);
      } else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
        /* Our input ended (EAGAIN is no end, as for the control channel: an inherited stdin may be
           non-blocking and read by another process too), and a pty has no end of input to pass on: as
           Docker's daemon closes that attach's output (moby stream.CopyStreams), the container's goes no
           further than the log and attached clients; we still wait for its exit. */
        stdin_open = 0;
        s->tee = 0;
      }
    }
    /* A client's end of input, or ours on a StdinOnce container: the stdin pipe closes once what came
       before is in (a pty stays: it is the output too). */
    if (((a && a->stdin_end) || input_ended) && client_in >= 0 && client_in != s->master && !client_pending(a) && own.len == own.off) {
      close(client_in);
      client_in = -1;
      s->stdin_closed = 1;
    }
    if (i_m >= 0 && p[i_m].revents && !pump(s, s->master, "stdout", 1)) {
      close(s->master);
      if (client_in == s->master) client_in = -1;
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
    if (i_listen >= 0 && p[i_listen].revents) attach_accept(a);
  }
  free(p);
  if (s->health) health_stop(s->health);
  if (!child_done) {
    /* Output ended first (or the drain timed out before the child was reaped): wait for it. */
    while (waitpid(s->child, &s->status, 0) < 0 && errno == EINTR) {}
  }
  restore_terminal();
  close(sfd);
}
