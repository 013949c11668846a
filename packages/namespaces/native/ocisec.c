/*
 * config.json's process security, in runc's order: rlimits, oom_score_adj, personality, seccomp (early
 * unless noNewPrivileges), bounding set, user and groups keeping capabilities, the four other sets,
 * ambient, no_new_privs, seccomp (late), umask. And the hooks that run inside the container.
 */
#include "oci.h"
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FAIL(...) report_child_error(errfd, 125, __VA_ARGS__)

static void load_profile(struct oci_config *o, int errfd) {
  scmp_filter_ctx ctx = seccomp_init((uint32_t)o->sc_default);
  if (!ctx) FAIL("seccomp: the default action 0x%lx is not valid", o->sc_default);
  seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
  for (int i = 0; i < o->sc_arch.n; i++) {
    uint32_t arch = seccomp_arch_resolve_name(o->sc_arch.items[i]);
    if (!arch) continue; /* an architecture libseccomp does not know cannot run here either */
    int rc = seccomp_arch_add(ctx, arch);
    if (rc < 0 && rc != -EEXIST) FAIL("seccomp: adding the architecture %s: %s", o->sc_arch.items[i], strerror(-rc));
  }
  for (int i = 0; i < o->sc_flag.n; i++) {
    const char *fl = o->sc_flag.items[i];
    int rc = 0;
    if (!strcmp(fl, "SECCOMP_FILTER_FLAG_LOG"))
      rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_LOG, 1);
    else if (!strcmp(fl, "SECCOMP_FILTER_FLAG_SPEC_ALLOW"))
      rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_SSB, 1);
    else if (!strcmp(fl, "SECCOMP_FILTER_FLAG_TSYNC"))
      rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
    if (rc < 0) FAIL("seccomp: the flag %s: %s", fl, strerror(-rc));
  }
  for (int i = 0; i < o->n_rules; i++) {
    struct oci_seccomp_rule *r = &o->rules[i];
    int nr = seccomp_syscall_resolve_name(r->name);
    if (nr == __NR_SCMP_ERROR) continue; /* not on this architecture or kernel: runc skips it too */
    if (r->action == o->sc_default) continue;
    struct scmp_arg_cmp args[6];
    int n = 0, repeated = 0;
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", r->args);
    for (char *save = NULL, *a = strtok_r(buf, ";", &save); a && n < 6; a = strtok_r(NULL, ";", &save)) {
      unsigned idx, op;
      unsigned long long v1, v2;
      if (sscanf(a, "%u:%u:%llu:%llu", &idx, &op, &v1, &v2) != 4) FAIL("seccomp: bad argument filter for %s", r->name);
      for (int j = 0; j < n; j++) repeated |= args[j].arg == idx;
      args[n++] = (struct scmp_arg_cmp){idx, (enum scmp_compare)op, v1, v2};
    }
    int rc;
    if (!repeated) {
      rc = seccomp_rule_add_array(ctx, (uint32_t)r->action, nr, (unsigned)n, args);
    } else {
      /* Two conditions on one argument cannot be one rule: as runc, each becomes a rule of its own. */
      rc = 0;
      for (int j = 0; j < n && rc >= 0; j++) rc = seccomp_rule_add_array(ctx, (uint32_t)r->action, nr, 1, &args[j]);
    }
    if (rc < 0 && rc != -EEXIST) FAIL("seccomp: the rule for %s: %s", r->name, strerror(-rc));
  }
  int rc = seccomp_load(ctx);
  if (rc < 0) FAIL("loading the seccomp filter: %s", strerror(-rc));
  seccomp_release(ctx);
}

static void set_bits(struct list *l, struct __user_cap_data_struct *d, size_t field) {
  for (int i = 0; i < l->n; i++) {
    int c = atoi(l->items[i]);
    if (c < 0 || c >= 64) continue;
    __u32 *word = (__u32 *)((char *)&d[c / 32] + field);
    *word |= 1u << (c % 32);
  }
}

void oci_apply_security(struct config *cfg, int errfd) {
  struct oci_config *o = cfg->oci;
  for (int i = 0; i < o->n_rlimits; i++)
    if (setrlimit(o->rlimits[i].resource, &o->rlimits[i].lim) < 0) FAIL("setting rlimit %d: %s", o->rlimits[i].resource, strerror(errno));
  if (o->oom_score_adj) {
    int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write_all(fd, o->oom_score_adj, strlen(o->oom_score_adj)) < 0) FAIL("setting oom_score_adj: %s", strerror(errno));
    close(fd);
  }
  if (o->personality >= 0 && personality((unsigned long)o->personality) < 0) FAIL("setting the personality: %s", strerror(errno));
  if (o->seccomp && !cfg->no_new_privs) load_profile(o, errfd);
  int last = 63;
  FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
  if (f) {
    if (fscanf(f, "%d", &last) != 1) last = 63;
    fclose(f);
  }
  for (int c = 0; c <= last; c++) {
    char num[16];
    snprintf(num, sizeof num, "%d", c);
    if (!list_has(&o->cap_b, num) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
      FAIL("dropping capability %d from the bounding set: %s", c, strerror(errno));
  }
  prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0);
  gid_t *groups = calloc((size_t)o->gids.n + 1, sizeof *groups);
  for (int i = 0; groups && i < o->gids.n; i++) groups[i] = (gid_t)strtoul(o->gids.items[i], NULL, 10);
  if (!groups || setgroups((size_t)o->gids.n, groups) < 0) FAIL("setgroups: %s", strerror(errno));
  free(groups);
  if (setresgid(o->gid, o->gid, o->gid) < 0) FAIL("setgid %u: %s", o->gid, strerror(errno));
  if (setresuid(o->uid, o->uid, o->uid) < 0) FAIL("setuid %u: %s", o->uid, strerror(errno));
  prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
  struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct data[2], held[2];
  memset(data, 0, sizeof data);
  set_bits(&o->cap_e, data, offsetof(struct __user_cap_data_struct, effective));
  set_bits(&o->cap_p, data, offsetof(struct __user_cap_data_struct, permitted));
  set_bits(&o->cap_i, data, offsetof(struct __user_cap_data_struct, inheritable));
  /* A capability this process lacks (the host's root here has no CAP_SYS_RESOURCE) cannot be granted. */
  if (syscall(SYS_capget, &hdr, held) < 0) FAIL("capget: %s", strerror(errno));
  for (int w = 0; w < 2; w++) {
    data[w].permitted &= held[w].permitted;
    data[w].effective &= data[w].permitted;
    data[w].inheritable &= held[w].permitted | held[w].inheritable;
  }
  if (syscall(SYS_capset, &hdr, data) < 0) FAIL("capset: %s", strerror(errno));
  prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  for (int i = 0; i < o->cap_a.n; i++) {
    int c = atoi(o->cap_a.items[i]);
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0 && errno != EPERM) FAIL("raising ambient capability %d: %s", c, strerror(errno));
  }
  if (cfg->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) FAIL("no_new_privs: %s", strerror(errno));
  if (o->seccomp && cfg->no_new_privs) load_profile(o, errfd);
  if (o->umask >= 0) umask((mode_t)o->umask);
}

/* Splits at the record separator into a NULL-terminated vector (in place). */
static char **vector(char *s) {
  int n = 1;
  for (char *p = s; *p; p++) n += *p == '\x1e';
  char **v = calloc((size_t)n + 1, sizeof *v);
  if (!v) return NULL;
  int i = 0;
  if (*s) v[i++] = s;
  for (char *p = s; *p; p++)
    if (*p == '\x1e') {
      *p = 0;
      v[i++] = p + 1;
    }
  v[i] = NULL;
  return v;
}

/* Each hook: "path US timeout-seconds US args RS… US env RS…", run with the container's state on stdin. */
void oci_run_hooks(struct config *cfg, struct list *hooks, const char *stage, int errfd) {
  const char *state = cfg->oci->state_json ? cfg->oci->state_json : "{}";
  for (int i = 0; i < hooks->n; i++) {
    char *h = strdup(hooks->items[i]), *f[4] = {h, "", "", ""};
    int nf = 1;
    for (char *p = h; *p && nf < 4; p++)
      if (*p == '\x1f') {
        *p = 0;
        f[nf++] = p + 1;
      }
    int timeout = atoi(f[1]);
    char **argv = vector(f[2]), **envp = vector(f[3]);
    int in[2];
    if (pipe2(in, O_CLOEXEC) < 0) FAIL("%s hook: pipe: %s", stage, strerror(errno));
    pid_t pid = fork();
    if (pid < 0) FAIL("%s hook: fork: %s", stage, strerror(errno));
    if (pid == 0) {
      dup2(in[0], 0);
      execve(f[0], argv && argv[0] ? argv : (char *[]){f[0], NULL}, envp);
      _exit(127);
    }
    close(in[0]);
    write_all(in[1], state, strlen(state));
    close(in[1]);
    int status = 0;
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
      pid_t r = waitpid(pid, &status, timeout > 0 ? WNOHANG : 0);
      if (r == pid) break;
      if (r < 0 && errno != EINTR) FAIL("%s hook %s: waitpid: %s", stage, f[0], strerror(errno));
      clock_gettime(CLOCK_MONOTONIC, &now);
      if (timeout > 0 && now.tv_sec - start.tv_sec >= timeout) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        FAIL("the %s hook %s timed out after %d s", stage, f[0], timeout);
      }
      if (r == 0) poll(NULL, 0, 10);
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
      FAIL("the %s hook %s failed (%s %d)", stage, f[0], WIFEXITED(status) ? "exit code" : "signal",
           WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    free(argv);
    free(envp);
    free(h);
  }
}
