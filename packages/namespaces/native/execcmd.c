/* The last step of the child: find the command with the container's PATH and execve it with only its env. */
#include "helper.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <linux/close_range.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static const char *env_get(struct list *env, const char *key) {
  size_t k = strlen(key);
  for (int i = 0; i < env->n; i++)
    if (strncmp(env->items[i], key, k) == 0 && env->items[i][k] == '=') return env->items[i] + k + 1;
  return NULL;
}

/* Docker's wording and codes: 127 when nothing is found, 126 when found but not runnable. */
__attribute__((noreturn)) static void fail_exec(int errfd, const char *cmd, const char *path, int err) {
  if (err == ENOENT) report_child_error(errfd, 127, "exec: \"%s\": stat %s: no such file or directory", cmd, path);
  if (err == EISDIR) report_child_error(errfd, 126, "exec: \"%s\": is a directory", cmd);
  if (err == EACCES) report_child_error(errfd, 126, "exec: \"%s\": permission denied", cmd);
  report_child_error(errfd, 126, "exec: \"%s\": %s", cmd, strerror(err));
}

static int check_runnable(const char *path) {
  struct stat st;
  if (stat(path, &st) < 0) return errno;
  if (S_ISDIR(st.st_mode)) return EISDIR;
  if (!S_ISREG(st.st_mode) || access(path, X_OK) < 0) return EACCES;
  return 0;
}

void exec_command(struct config *cfg, const struct ids *ids, int errfd) {
  const char *cmd = cfg->args.items[0];
  if (!env_get(&cfg->env, "HOME")) {
    static char home[300];
    snprintf(home, sizeof home, "HOME=%s", ids->home[0] ? ids->home : "/");
    if (list_push(&cfg->env, home) < 0) report_child_error(errfd, 125, "out of memory setting HOME");
  }
  char found[4096];
  if (strchr(cmd, '/')) {
    snprintf(found, sizeof found, "%s", cmd);
    int err = check_runnable(found);
    if (err) fail_exec(errfd, cmd, found, err);
  } else {
    const char *path = env_get(&cfg->env, "PATH");
    if (!path) path = DEFAULT_PATH;
    int denied = 0;
    found[0] = 0;
    for (const char *p = path;;) {
      const char *end = strchr(p, ':');
      size_t n = end ? (size_t)(end - p) : strlen(p);
      char cand[4096];
      snprintf(cand, sizeof cand, "%.*s/%s", (int)n, n ? p : ".", cmd);
      int err = check_runnable(cand);
      if (err == 0) {
        snprintf(found, sizeof found, "%s", cand);
        break;
      }
      if (err == EACCES) denied = 1;
      if (!end) break;
      p = end + 1;
    }
    if (!found[0]) {
      if (denied) report_child_error(errfd, 126, "exec: \"%s\": permission denied", cmd);
      report_child_error(errfd, 127, "exec: \"%s\": executable file not found in $PATH", cmd);
    }
  }
  if (cfg->oci) oci_before_exec(cfg, errfd); /* mydocker-oci create: wait here for `start` */
  /* No engine fd may reach the container (CVE-2024-21626); the error pipe closes itself on success. */
  if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) < 0) report_child_error(errfd, 125, "close_range: %s", strerror(errno));
  /* A restart policy needs a monitor to apply it: PID 1 goes with its monitor, so a killed monitor shows as
     an exit that `ps` or `system restart-policies` restarts. Set last, as a change of credentials clears it. */
  if (cfg->die_with_monitor) prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (cfg->init) {
    /* docker-init -- /resolved/command ARG...: the init execs the path we found and checked above. */
    char **argv = calloc((size_t)cfg->args.n + 3, sizeof *argv);
    if (!argv) report_child_error(errfd, 125, "out of memory starting the init");
    argv[0] = "/sbin/docker-init";
    argv[1] = "--";
    argv[2] = found;
    for (int i = 1; i < cfg->args.n; i++) argv[i + 2] = cfg->args.items[i];
    syscall(SYS_execveat, cfg->init_fd, "", argv, cfg->env.items, AT_EMPTY_PATH);
    report_child_error(errfd, 125, "starting the init: %s", strerror(errno));
  }
  execve(found, cfg->args.items, cfg->env.items);
  fail_exec(errfd, cmd, found, errno);
}
