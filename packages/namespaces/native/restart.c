/*
 * The end of a detached run. The exit command (`mydocker container-cleanup ID`) settles the record and
 * applies the restart policy: when the container is to come back it prints "restart MS" on its stdout.
 * The monitor then waits that back-off (Docker's: 100 ms, doubling, reset after 10 s up) — `stop`,
 * `start` or `rm -f` call it off with a SIGTERM — and runs the restart command (`container-restart ID`),
 * which starts the container again under a monitor of its own. Waiting here costs this process's ~1 MiB,
 * not a Node process.
 */
#include "helper.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Runs ARGV and waits for it; with OUT_FD >= 0 its stdout goes there. */
static pid_t spawn_command(char **argv, int out_fd) {
  pid_t pid = fork();
  if (pid == 0) {
    reset_signals();
    close(CTL_FD);
    if (out_fd >= 0) dup2(out_fd, 1);
    execvp(argv[0], argv);
    _exit(127);
  }
  return pid;
}

static void reap(pid_t pid) {
  if (pid > 0)
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
}

/* The exit command; returns the back-off it asked for in ms, or -1 when the container stays down. */
static long run_exit_command(struct config *cfg) {
  int out[2] = {-1, -1};
  if (cfg->restart_command.n > 0 && pipe2(out, O_CLOEXEC) < 0) out[0] = out[1] = -1;
  pid_t pid = spawn_command(cfg->exit_command.items, out[1]);
  if (out[1] >= 0) close(out[1]);
  char buf[128];
  size_t len = 0;
  if (out[0] >= 0 && pid > 0) {
    for (;;) {
      ssize_t n = read(out[0], buf + len, sizeof buf - 1 - len);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      len += (size_t)n;
      if (len == sizeof buf - 1) break;
    }
  }
  if (out[0] >= 0) close(out[0]);
  reap(pid);
  buf[len] = 0;
  long ms;
  if (strncmp(buf, "restart ", 8) != 0 || sscanf(buf + 8, "%ld", &ms) != 1 || ms < 0) return -1;
  return ms;
}

/* Sleeps MS; 0 when SIGTERM, SIGINT, SIGHUP or SIGQUIT (blocked since the clone) called the restart off. */
static int backoff(long ms) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGQUIT);
  int sfd = signalfd(-1, &set, SFD_CLOEXEC);
  if (sfd < 0) return 1;
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  int go = 1;
  for (;;) {
    clock_gettime(CLOCK_MONOTONIC, &now);
    long long elapsed = (long long)(now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
    if (elapsed >= ms) break;
    struct pollfd p = {sfd, POLLIN, 0};
    int rc = poll(&p, 1, (int)(ms - elapsed));
    if (rc < 0 && errno == EINTR) continue;
    if (rc > 0) {
      go = 0;
      break;
    }
    if (rc < 0) break;
  }
  close(sfd);
  return go;
}

void finish_detached(struct config *cfg) {
  if (cfg->exit_command.n == 0) return;
  /* `stop` or `rm -f` claimed the clean-up before its signal: it settles the record itself once this
     process is gone (and called any restart off first), so no second Node process is started for it. */
  if (cfg->exit_claim_file && access(cfg->exit_claim_file, F_OK) == 0) return;
  long delay = run_exit_command(cfg);
  if (delay < 0 || cfg->restart_command.n == 0) return;
  /* The host ports this run reserved are the next run's to bind; the exit command released their rules. */
  syscall(SYS_close_range, FIRST_HELD_FD, ~0U, 0);
  if (!backoff(delay)) return;
  reap(spawn_command(cfg->restart_command.items, -1));
}
