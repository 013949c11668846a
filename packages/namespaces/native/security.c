/* --user, capabilities, no_new_privs and the seccomp filter, applied in the child just before exec. */
#include "helper.h"
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

static int is_number(const char *s) {
  if (!*s) return 0;
  for (; *s; s++)
    if (*s < '0' || *s > '9') return 0;
  return 1;
}

/* The driver refuses these already; a number past uid_t must never wrap around to another id here either. */
static void check_id_range(const char *s, int errfd) {
  if (is_number(s) && (strlen(s) > 10 || strtoull(s, NULL, 10) > 0x7fffffffULL))
    report_child_error(errfd, 125, "invalid user %s: uids and gids must be in range 0-2147483647", s);
}

/* Splits one /etc/passwd or /etc/group line into fields in place. */
static int split(char *line, char **f, int max) {
  int n = 0;
  f[n++] = line;
  for (char *p = line; *p && n < max; p++)
    if (*p == ':') {
      *p = 0;
      f[n++] = p + 1;
    }
  char *nl = strchr(f[n - 1], '\n');
  if (nl) *nl = 0;
  return n;
}

static void add_group(struct ids *ids, gid_t gid, int errfd) {
  gid_t *more = realloc(ids->groups, (size_t)(ids->n_groups + 1) * sizeof *more);
  if (!more) report_child_error(errfd, 125, "out of memory reading /etc/group");
  ids->groups = more;
  ids->groups[ids->n_groups++] = gid;
}

/* Resolves "user[:group]" (names or numbers) with the CONTAINER's /etc/passwd and /etc/group. */
void resolve_user(const char *spec, struct ids *ids, int errfd) {
  memset(ids, 0, sizeof *ids);
  snprintf(ids->home, sizeof ids->home, "/");
  char user[256] = "0", group[256] = "";
  if (spec && *spec) {
    snprintf(user, sizeof user, "%s", spec);
    char *colon = strchr(user, ':');
    if (colon) {
      *colon = 0;
      snprintf(group, sizeof group, "%s", colon + 1);
    }
  }
  check_id_range(user, errfd);
  check_id_range(group, errfd);
  int found = 0;
  char uname[256];
  snprintf(uname, sizeof uname, "%s", user);
  /* Whole lines however long they are: a long member list must not be split into a bogus entry. */
  char *line = NULL;
  size_t line_cap = 0;
  FILE *f = fopen("/etc/passwd", "re");
  while (f && getline(&line, &line_cap, f) >= 0) {
    char *fl[7];
    if (split(line, fl, 7) < 7) continue;
    if (strcmp(fl[0], user) == 0 || (is_number(user) && strtoul(fl[2], NULL, 10) == strtoul(user, NULL, 10))) {
      ids->uid = (uid_t)strtoul(fl[2], NULL, 10);
      ids->gid = (gid_t)strtoul(fl[3], NULL, 10);
      snprintf(ids->home, sizeof ids->home, "%s", fl[5]);
      snprintf(uname, sizeof uname, "%s", fl[0]);
      found = 1;
      break;
    }
  }
  if (f) fclose(f);
  if (!found) {
    if (!is_number(user)) report_child_error(errfd, 125, "unable to find user %s: no matching entries in passwd file", user);
    ids->uid = (uid_t)strtoul(user, NULL, 10);
    ids->gid = 0;
  }
  int group_found = 0;
  f = fopen("/etc/group", "re");
  while (f && getline(&line, &line_cap, f) >= 0) {
    char *fl[4];
    if (split(line, fl, 4) < 4) continue;
    gid_t gid = (gid_t)strtoul(fl[2], NULL, 10);
    if (*group && (strcmp(fl[0], group) == 0 || (is_number(group) && gid == strtoul(group, NULL, 10)))) {
      ids->gid = gid;
      group_found = 1;
    }
    /* Supplementary groups: every group that lists the user by name (runc's GetExecUser: only when no
     * group is given; slot 0 is kept for the primary gid, which Docker always puts first). */
    for (char *save = NULL, *m = strtok_r(fl[3], ",", &save); m && !*group; m = strtok_r(NULL, ",", &save)) {
      if (strcmp(m, uname) != 0 || ids->n_groups >= NGROUPS_MAX - 1) continue;
      add_group(ids, gid, errfd);
    }
  }
  if (f) fclose(f);
  free(line);
  if (*group && !group_found) {
    if (!is_number(group)) report_child_error(errfd, 125, "unable to find group %s: no matching entries in group file", group);
    ids->gid = (gid_t)strtoul(group, NULL, 10);
  }
  /* Docker (daemon/oci_linux.go getUser) gives the primary gid as the first additional gid, then the
   * user's groups other than it: `id` in busybox shows groups=0(root),10(wheel). */
  int n = 0;
  for (int i = 0; i < ids->n_groups; i++)
    if (ids->groups[i] != ids->gid) ids->groups[n++] = ids->groups[i];
  ids->n_groups = n;
  add_group(ids, ids->gid, errfd);
  memmove(ids->groups + 1, ids->groups, (size_t)(ids->n_groups - 1) * sizeof *ids->groups);
  ids->groups[0] = ids->gid;
}

static int has_cap(struct config *cfg, int cap) {
  char num[16];
  snprintf(num, sizeof num, "%d", cap);
  return list_has(&cfg->caps, num);
}

static int last_cap(void) {
  FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
  int last = CAP_LAST_CAP;
  if (f) {
    if (fscanf(f, "%d", &last) != 1) last = CAP_LAST_CAP;
    fclose(f);
  }
  return last;
}

static int kernel_at_least(int major, int minor) {
  struct utsname u;
  int ma = 0, mi = 0;
  if (uname(&u) < 0 || sscanf(u.release, "%d.%d", &ma, &mi) != 2) return 0;
  return ma > major || (ma == major && mi >= minor);
}

static void add_errno(scmp_filter_ctx ctx, const char *name, int err, int errfd) {
  int nr = seccomp_syscall_resolve_name(name);
  if (nr == __NR_SCMP_ERROR) return; /* not on this architecture */
  int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(err), nr, 0);
  if (rc < 0 && rc != -EEXIST) report_child_error(errfd, 125, "seccomp rule for %s: %s", name, strerror(-rc));
}

static void block_all(scmp_filter_ctx ctx, const char *const *names, int errfd) {
  for (; *names; names++) add_errno(ctx, *names, EPERM, errfd);
}

/* Docker's default profile, as a deny list: what it forbids unless the matching capability was granted. */
static void load_seccomp(struct config *cfg, int errfd) {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (!ctx) report_child_error(errfd, 125, "seccomp: cannot create the filter");
  seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
  static const char *const always[] = {
      "acct",       "add_key",         "bpf",          "create_module", "get_kernel_syms", "kexec_file_load", "kexec_load", "keyctl", "lookup_dcookie",
      "nfsservctl", "perf_event_open", "query_module", "request_key",   "uselib",          "userfaultfd",     "ustat",      "vm86",   "vm86old",
      "_sysctl",    "sysfs",           "syslog",       "quotactl",      "quotactl_fd",     "fanotify_init",   NULL};
  static const char *const admin[] = {
      "mount",      "umount",    "umount2", "pivot_root", "setns",   "unshare", "open_by_handle_at", "name_to_handle_at", "swapon", "swapoff", "mount_setattr",
      "move_mount", "open_tree", "fsopen",  "fsconfig",   "fsmount", "fspick",  "setdomainname",     "sethostname",       NULL};
  static const char *const ptrace[] = {"kcmp", "pidfd_getfd", NULL};
  /* Docker allows these on kernels from 4.8, where ptrace can no longer be used to skip the seccomp
     filter (the tracer's changes are checked again); strace and gdb then work in a default container. */
  static const char *const old_kernel_ptrace[] = {"ptrace", "process_vm_readv", "process_vm_writev", NULL};
  static const char *const module[] = {"init_module", "finit_module", "delete_module", NULL};
  static const char *const boot[] = {"reboot", NULL};
  static const char *const time[] = {"settimeofday", "stime", "clock_settime", "clock_settime64", "clock_adjtime", "clock_adjtime64", "adjtimex", NULL};
  static const char *const raw_io[] = {"iopl", "ioperm", NULL};
  block_all(ctx, always, errfd);
  if (!has_cap(cfg, CAP_SYS_ADMIN)) {
    block_all(ctx, admin, errfd);
    /* clone(2) creating namespaces needs CAP_SYS_ADMIN; clone3's flags live in memory, so it says ENOSYS
       and libc falls back to clone, whose flags the filter can see. */
    static const unsigned long ns_flags[] = {CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWCGROUP};
    for (size_t i = 0; i < sizeof ns_flags / sizeof *ns_flags; i++)
      if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1, SCMP_A0(SCMP_CMP_MASKED_EQ, ns_flags[i], ns_flags[i])) < 0)
        report_child_error(errfd, 125, "seccomp rule for clone failed");
    int nr = seccomp_syscall_resolve_name("clone3");
    if (nr != __NR_SCMP_ERROR) seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0);
  }
  if (!has_cap(cfg, CAP_SYS_PTRACE)) {
    block_all(ctx, ptrace, errfd);
    if (!kernel_at_least(4, 8)) block_all(ctx, old_kernel_ptrace, errfd);
  }
  if (!has_cap(cfg, CAP_SYS_MODULE)) block_all(ctx, module, errfd);
  if (!has_cap(cfg, CAP_SYS_BOOT)) block_all(ctx, boot, errfd);
  if (!has_cap(cfg, CAP_SYS_TIME)) block_all(ctx, time, errfd);
  if (!has_cap(cfg, CAP_SYS_RAWIO)) block_all(ctx, raw_io, errfd);
  int rc = seccomp_load(ctx);
  if (rc < 0) report_child_error(errfd, 125, "loading the seccomp filter: %s", strerror(-rc));
  seccomp_release(ctx);
}

void apply_security(struct config *cfg, const struct ids *ids, int errfd) {
  int last = last_cap();
  for (int c = 0; c <= last; c++)
    if (!has_cap(cfg, c) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
      report_child_error(errfd, 125, "dropping capability %d from the bounding set: %s", c, strerror(errno));
  /* Loaded while CAP_SYS_ADMIN is still held, so no_new_privs stays the user's choice. */
  if (cfg->seccomp && !cfg->privileged) load_seccomp(cfg, errfd);
  if (setgroups((size_t)ids->n_groups, ids->groups) < 0) report_child_error(errfd, 125, "setgroups: %s", strerror(errno));
  if (setgid(ids->gid) < 0) report_child_error(errfd, 125, "setgid %u: %s", ids->gid, strerror(errno));
  if (setuid(ids->uid) < 0) report_child_error(errfd, 125, "setuid %u: %s", ids->uid, strerror(errno));
  /* Like Docker since CVE-2022-24769: the inheritable set stays empty, and a non-root user starts with no
     effective or permitted capabilities (they remain in the bounding set for file capabilities). */
  struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct data[2], held[2];
  memset(data, 0, sizeof data);
  /* A capability the engine itself lacks (e.g. a host without CAP_SYS_RESOURCE) cannot be granted: skip it. */
  if (syscall(SYS_capget, &hdr, held) < 0) report_child_error(errfd, 125, "capget: %s", strerror(errno));
  if (ids->uid == 0) {
    for (int c = 0; c <= last && c < 64; c++)
      if (has_cap(cfg, c) && (held[c / 32].permitted & (1u << (c % 32)))) {
        data[c / 32].effective |= 1u << (c % 32);
        data[c / 32].permitted |= 1u << (c % 32);
      }
  }
  if (syscall(SYS_capset, &hdr, data) < 0) report_child_error(errfd, 125, "capset: %s", strerror(errno));
  prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  if (cfg->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) report_child_error(errfd, 125, "no_new_privs: %s", strerror(errno));
}
