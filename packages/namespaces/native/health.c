/*
 * The health check (run --health-cmd, or the image's HEALTHCHECK), run by the monitor: no daemon and no
 * timer unit. Every interval it runs `mydocker healthcheck run ID`, which execs the test into the
 * container through the exec path and records the result. One check at a time; the next is due an
 * interval after the last one ended, as Docker's monitor does. Each check runs in a session of its own, so
 * that when the container ends, one kill of its process group ends the check and all it started.
 */
#include "helper.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/close_range.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Docker's (API 1.44) choice: the start interval while in the start period and still "starting" (no check
   has passed: `healthcheck run` exits 0 when it passed), the interval otherwise. */
static long next_interval(const struct health *h) {
  if (h->start_interval_ms > 0 && !h->passed && now_ms() < h->start_ends_ms) return h->start_interval_ms;
  return h->interval_ms;
}

void health_init(struct health *h, struct config *cfg) {
  memset(h, 0, sizeof *h);
  if (cfg->health_command.n == 0 || cfg->health_interval_ms <= 0) return;
  h->argv = cfg->health_command.items;
  h->interval_ms = cfg->health_interval_ms;
  if (cfg->health_start_interval_ms > 0 && cfg->health_start_period_ms > 0) {
    h->start_interval_ms = cfg->health_start_interval_ms;
    h->start_ends_ms = now_ms() + cfg->health_start_period_ms;
  }
  h->due_ms = now_ms() + next_interval(h);
}

/* How long poll may sleep before the next check is due; -1 while none is due (none set, or one runs). */
int health_poll_timeout(const struct health *h) {
  if (!h->argv || h->pid > 0) return -1;
  long long left = h->due_ms - now_ms();
  if (left <= 0) return 0;
  return left > INT_MAX ? INT_MAX : (int)left;
}

void health_tick(struct health *h) {
  if (!h->argv || h->pid > 0 || now_ms() < h->due_ms) return;
  pid_t pid = fork();
  if (pid == 0) {
    reset_signals();
    setsid();
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
      dup2(null, 0);
      dup2(null, 1);
      dup2(null, 2);
    }
    /* The monitor's own descriptors (control socket, held ports, pipes) stay with it. */
    syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
    execvp(h->argv[0], h->argv);
    _exit(127);
  }
  if (pid < 0) {
    h->due_ms = now_ms() + next_interval(h);
    return;
  }
  h->pid = pid;
}

/* On SIGCHLD: if the check ended, the next one is due an interval from now. */
void health_reap(struct health *h) {
  if (h->pid <= 0) return;
  int status;
  if (waitpid(h->pid, &status, WNOHANG) == h->pid) {
    h->pid = 0;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) h->passed = 1;
    h->due_ms = now_ms() + next_interval(h);
  }
}

/* The container ended: a check still running has nothing left to check. */
void health_stop(struct health *h) {
  if (h->pid <= 0) return;
  kill(-h->pid, SIGKILL);
  while (waitpid(h->pid, NULL, 0) < 0 && errno == EINTR) {}
  h->pid = 0;
}
