/*
 * `run --init`: the container's PID 1 is this binary again (as Docker's docker-init / tini), exec'd from
 * the monitor's sealed in-memory copy so nothing is added to the container's root and /proc/1/exe can
 * never be opened for writing (CVE-2019-5736). argv: docker-init -- COMMAND [ARG...].
 *
 * It forks the command, forwards every signal it gets to it, reaps every process re-parented to it
 * (orphans of a double fork), and exits as the command did: its code, or 128 + the signal that ended it.
 * A PID 1 gets from the kernel only the signals it has a handler for or blocks: all are blocked here and
 * taken with sigwaitinfo, so SIGTERM from `stop` is received, never ignored.
 */
#include "helper.h"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

int init_main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "docker-init: usage: docker-init -- COMMAND [ARG...]\n");
    return 125;
  }
  prctl(PR_SET_NAME, "docker-init", 0, 0, 0);
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &all, NULL);
  pid_t child = fork();
  if (child < 0) {
    fprintf(stderr, "docker-init: fork: %s\n", strerror(errno));
    return 125;
  }
  if (child == 0) {
    sigprocmask(SIG_SETMASK, &none, NULL);
    execv(argv[2], argv + 2);
    fprintf(stderr, "docker-init: exec %s: %s\n", argv[2], strerror(errno));
    _exit(errno == ENOENT ? 127 : 126);
  }
  for (;;) {
    siginfo_t si;
    int sig = sigwaitinfo(&all, &si);
    if (sig < 0) continue;
    if (sig != SIGCHLD) {
      kill(child, sig);
      continue;
    }
    for (;;) {
      int status;
      pid_t pid = waitpid(-1, &status, WNOHANG);
      if (pid <= 0) break;
      if (pid == child) return exit_code_of(status);
    }
  }
}
