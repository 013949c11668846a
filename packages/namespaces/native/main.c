/*
 * mydocker-init: the native half of @mydocker/namespaces. Node cannot clone into namespaces, pivot_root,
 * setns or exec, so the TypeScript driver spawns this helper with a control socket on fd 3, sends a launch
 * config, and talks to it in lines: helper "pid N", driver "go", helper "started" | "error CODE MSG",
 * later helper "exit CODE".
 */
#include "helper.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/close_range.h>
#include <unistd.h>

extern char **environ;

/*
 * CVE-2019-5736: a process in the container must never be able to open our binary for writing through
 * /proc/PID/exe. Like runc, run from a sealed in-memory copy: writes to it are impossible by construction.
 */
static void ensure_sealed_copy(char **argv) {
  int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (self < 0) return;
  int sealed = is_sealed(self);
  close(self);
  if (sealed) return;
  int mfd = sealed_copy();
  if (mfd < 0) return;
  fexecve(mfd, argv, environ);
  close(mfd); /* fall back to running as we are */
}

int main(int argc, char **argv) {
  /* run --init: already exec'd from the sealed copy, inside the container, with its security applied. */
  if (argc >= 2 && strcmp(argv[1], "--") == 0) return init_main(argc, argv);
  /* The container's cloned child, re-executed from the sealed copy (stage.c). */
  if (argc >= 2 && strcmp(argv[1], STAGE_ARG) == 0) container_stage_main(argc, argv);
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  if (fcntl(CTL_FD, F_GETFD) < 0) {
    fprintf(stderr, "mydocker-init: run by @mydocker/namespaces with a control socket on fd 3\n");
    return 125;
  }
  /* argv[1] "run" (the driver names the mode): the monitor stays outside the container and runs from the
     file; only the container's process gets a sealed copy (stage.c). Every other mode — exec joins the
     container — runs from the sealed copy from here on. */
  int monitor = argc >= 2 && strcmp(argv[1], "run") == 0;
  if (!monitor) ensure_sealed_copy(argv);
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  fcntl(CTL_FD, F_SETFD, FD_CLOEXEC);
  /* Held descriptors (reserved host ports) stay open in the monitor for its whole life, but no exec'd
     process — the container's, or the exit command — may inherit them. */
  syscall(SYS_close_range, FIRST_HELD_FD, ~0U, CLOSE_RANGE_CLOEXEC);
  static struct config cfg;
  char err[256];
  int config_fd = -1;
  if (monitor && (config_fd = config_to_memfd(CTL_FD, err, sizeof err)) < 0) die_ctl("%s", err);
  if (read_config(monitor ? config_fd : CTL_FD, &cfg, err, sizeof err) < 0) die_ctl("%s", err);
  cfg.config_fd = config_fd;
  if (monitor != (strcmp(cfg.mode, "run") == 0))
    die_ctl("the helper was started for mode \"%s\" but the launch config says \"%s\"", monitor ? "run" : "other", cfg.mode);
  if (strcmp(cfg.mode, "run") == 0) run_mode(&cfg);
  if (strcmp(cfg.mode, "exec") == 0) exec_mode(&cfg);
  if (strcmp(cfg.mode, "oci-create") == 0) oci_create_mode(&cfg);
  if (strcmp(cfg.mode, "oci-exec") == 0) oci_exec_mode(&cfg);
  die_ctl("unknown mode \"%s\"", cfg.mode);
}
