/*
 * bin/mydocker-oci: runc's command line, first seen by this small static program. `state`, `start`, `kill`
 * and `delete` of an existing container are done here, from the state directory (fast-commands.c): they are
 * what conmon and containerd's shim call over and over, and Node's own start costs about what runc's whole
 * `run` does. Everything else, and every case the front is not sure of (a refusal, hooks, --debug, a
 * paused container, a flag it does not know), is handed unchanged to the Node runtime
 * (bin/mydocker-oci-node), which remains the one implementation of every command.
 */
#include "front.h"
#include "plan.h"
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#ifndef NODE_FALLBACK
#define NODE_FALLBACK "/usr/bin/node"
#endif

/* The directory this binary is in (bin/ of the package; a symlink to it is followed by the kernel). */
void bin_dir(char *out, size_t len) {
  ssize_t n = readlink("/proc/self/exe", out, len - 1);
  out[n > 0 ? n : 0] = 0;
  char *slash = strrchr(out, '/');
  if (slash) *slash = 0;
}

void hand_over(struct front *f) {
  char exe[PATH_MAX], script[PATH_MAX + 32];
  bin_dir(exe, sizeof exe);
  snprintf(script, sizeof script, "%s/mydocker-oci-node", exe);
  /* Node reads every certificate of this file at start-up (~45 ms of CPU here); the runtime makes no TLS
     connection, and neither the container nor a hook inherits the runtime's environment. */
  unsetenv("NODE_EXTRA_CA_CERTS");
  char **args = calloc((size_t)f->argc + 3, sizeof *args);
  if (!args) exit(1);
  args[0] = "node";
  args[1] = "--"; /* ends Node's own options: ours follow the script */
  args[2] = script;
  for (int i = 1; i < f->argc; i++) args[i + 2] = f->argv[i];
  execvp("node", args);
  execv(NODE_FALLBACK, args);
  fprintf(stderr, "mydocker-oci: Node.js could not be started (node on PATH, or %s).\n", NODE_FALLBACK);
  exit(1);
}

/* JSON string escaping as JSON.stringify does it: quotes, backslashes and control characters. */
static void json_string(FILE *out, const char *s) {
  fputc('"', out);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\')
      fprintf(out, "\\%c", *p);
    else if (*p == '\n')
      fputs("\\n", out);
    else if (*p == '\t')
      fputs("\\t", out);
    else if (*p == '\r')
      fputs("\\r", out);
    else if (*p == '\b')
      fputs("\\b", out);
    else if (*p == '\f')
      fputs("\\f", out);
    else if (*p < 0x20)
      fprintf(out, "\\u%04x", *p);
    else
      fputc(*p, out);
  }
  fputc('"', out);
}

/* src/log.ts's error: a logrus line (text or JSON) in --log, and the sentence on stderr. */
int fail(struct front *f, const char *fmt, ...) {
  char msg[8192];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  FILE *log = f->log ? fopen(f->log, "ae") : NULL;
  if (log) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    char when[64];
    snprintf(when, sizeof when, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
             (long)tv.tv_usec / 1000);
    if (f->log_format && !strcmp(f->log_format, "json")) {
      fputs("{\"level\":\"error\",\"msg\":", log);
      json_string(log, msg);
      fprintf(log, ",\"time\":\"%s\"}\n", when);
    } else {
      fprintf(log, "time=\"%s\" level=error msg=", when);
      json_string(log, msg);
      fputc('\n', log);
    }
    fclose(log);
  }
  fprintf(stderr, "mydocker-oci: %s\n", msg);
  return 1;
}

/*
 * `--version` and `features` print what the Node runtime printed for them at build time (build.js writes
 * dist/front-version.txt and dist/front-features.json with bin/mydocker-oci-node): one source, no Node.
 */
static int print_built(const char *name) {
  char path[PATH_MAX + 64], buf[65536];
  bin_dir(path, PATH_MAX);
  strcat(path, "/../dist/");
  strcat(path, name);
  FILE *in = fopen(path, "re");
  if (!in) return -1;
  size_t n = fread(buf, 1, sizeof buf, in);
  int whole = feof(in) && !ferror(in);
  fclose(in);
  if (!whole || !n) return -1;
  return fwrite(buf, 1, n, stdout) == n && fflush(stdout) == 0 ? 0 : 1;
}

/* A flag of runc's command line (src/args.ts): its names and whether it takes a value. */
struct flag {
  const char *names[2];
  int value;
  const char *got; /* the value, "1"/"0" for a switch, NULL when absent */
};

static struct flag *find(struct flag *flags, const char *name, size_t len) {
  for (struct flag *fl = flags; fl->names[0]; fl++)
    for (int i = 0; i < 2; i++)
      if (fl->names[i] && strlen(fl->names[i]) == len && !strncmp(fl->names[i], name, len)) return fl;
  return NULL;
}

/*
 * parseArgs of src/args.ts: `--x v`, `--x=v`, `-x v`, a switch's `=false`/`=0`; positionals into rest.
 * Returns how many positionals, or -1 for what Node must refuse (an unknown flag, a missing value).
 */
static int parse(int argc, char **argv, struct flag *flags, int stop_at_positional, char **rest, int max) {
  int n = 0;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--")) {
      while (++i < argc && n < max) rest[n++] = argv[i];
      break;
    }
    if (a[0] != '-' || !strcmp(a, "-")) {
      if (n >= max) return -1;
      rest[n++] = argv[i];
      if (stop_at_positional) {
        while (++i < argc && n < max) rest[n++] = argv[i];
        break;
      }
      continue;
    }
    const char *body = a + (a[1] == '-' ? 2 : 1);
    const char *eq = strchr(body, '=');
    struct flag *fl = find(flags, body, eq ? (size_t)(eq - body) : strlen(body));
    if (!fl) return -1;
    if (fl->value) {
      if (eq)
        fl->got = eq + 1;
      else if (i + 1 < argc)
        fl->got = argv[++i];
      else
        return -1;
    } else
      fl->got = eq && (!strcasecmp(eq + 1, "false") || !strcmp(eq + 1, "0")) ? "0" : "1";
  }
  return n;
}

static int on(const struct flag *fl) {
  return fl->got && strcmp(fl->got, "0") != 0;
}

/* path.resolve: absolute, normalized, without a trailing slash. */
int resolve_path(const char *in, char *out, size_t len) {
  char cwd[PATH_MAX], joined[PATH_MAX * 2];
  if (in[0] == '/')
    snprintf(joined, sizeof joined, "%s", in);
  else if (!getcwd(cwd, sizeof cwd) || (size_t)snprintf(joined, sizeof joined, "%s/%s", cwd, in) >= sizeof joined)
    return -1;
  if (normalize_path(joined, out, len)) return -1;
  size_t n = strlen(out);
  if (n > 1 && out[n - 1] == '/') out[n - 1] = 0;
  return 0;
}

/* src/state.ts checkId: letters, digits, _ + - and . (not "." or ".."). */
static int valid_id(const char *id) {
  if (!id || !*id || !strcmp(id, ".") || !strcmp(id, "..")) return 0;
  for (const char *p = id; *p; p++)
    if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') && !(*p >= '0' && *p <= '9') && !strchr("_+-.", *p)) return 0;
  return 1;
}

/* create/run: flags anywhere (parseArgs without stopAtPositional), one id; the rest is create.c's. */
static int create_or_run(struct front *f, int argc, char **argv, int run) {
  struct flag flags[] = {{{"bundle", "b"}, 1, NULL},
                         {{"pid-file"}, 1, NULL},
                         {{"console-socket"}, 1, NULL},
                         {{"no-pivot"}, 0, NULL},
                         {{"no-new-keyring"}, 0, NULL},
                         {{"preserve-fds"}, 1, NULL},
                         {{NULL}, 0, NULL},
                         {{NULL}, 0, NULL},
                         {{NULL}, 0, NULL}};
  if (run) {
    flags[6] = (struct flag){{"detach", "d"}, 0, NULL};
    flags[7] = (struct flag){{"keep"}, 0, NULL};
  }
  /* MYDOCKER_OCI_NATIVE=0: create and run through Node (the other commands stay the front's), to compare. */
  const char *native = getenv("MYDOCKER_OCI_NATIVE");
  if (native && !strcmp(native, "0")) return -1;
  char *ops[64];
  char bundle[PATH_MAX];
  if (parse(argc, argv, flags, 0, ops, 64) != 1 || !valid_id(ops[0])) return -1;
  const char *b = flags[0].got ? flags[0].got : ".";
  if (!*b || resolve_path(b, bundle, sizeof bundle)) return -1;
  struct createopts o = {.id = ops[0], .bundle = bundle, .pid_file = flags[1].got, .console_socket = flags[2].got, .no_pivot = on(&flags[3]), .run = run};
  if ((o.pid_file && !*o.pid_file) || (o.console_socket && !*o.console_socket)) return -1;
  if (run) {
    o.detach = on(&flags[6]);
    o.keep = on(&flags[7]);
  }
  return cmd_create(f, &o);
}

/* The front's own commands; -1 hands the command line to Node. */
static int dispatch(struct front *f, int argc, char **argv) {
  struct flag globals[] = {{{"root"}, 1, NULL}, {{"log"}, 1, NULL},      {{"log-format"}, 1, NULL},   {{"debug"}, 0, NULL},     {{"systemd-cgroup"}, 0, NULL},
                           {{"criu"}, 1, NULL}, {{"rootless"}, 1, NULL}, {{"version", "v"}, 0, NULL}, {{"help", "h"}, 0, NULL}, {{NULL}, 0, NULL}};
  char *rest[64];
  int n = parse(argc, argv, globals, 1, rest, 64);
  const char *format = globals[2].got ? globals[2].got : "text";
  if (n < 0 || on(&globals[3]) || (strcmp(format, "text") && strcmp(format, "json"))) return -1;
  if (on(&globals[7])) return print_built("front-version.txt"); /* before --help and any refusal, as main.ts */
  if (n < 1 || on(&globals[4]) || on(&globals[8]) || (globals[6].got && !strcmp(globals[6].got, "true"))) return -1;
  f->root = globals[0].got ? globals[0].got : "/run/mydocker-oci";
  f->log = globals[1].got;
  f->log_format = format;
  const char *command = rest[0];
  if (!strcmp(command, "create") || !strcmp(command, "run")) return create_or_run(f, n - 1, rest + 1, !strcmp(command, "run"));
  struct flag cmd[] = {{{"all", "a"}, 0, NULL}, {{NULL}, 0, NULL}};
  if (!strcmp(command, "delete"))
    cmd[0] = (struct flag){{"force", "f"}, 0, NULL};
  else if (strcmp(command, "kill"))
    cmd[0] = (struct flag){{NULL}, 0, NULL};
  int is_kill = !strcmp(command, "kill");
  char *ops[64];
  int m = parse(n - 1, rest + 1, cmd, !is_kill, ops, 64);
  if (m >= 0 && !strcmp(command, "features")) return print_built("front-features.json");
  if (m < 1 || !valid_id(ops[0])) return -1;
  if (!strcmp(command, "state")) return cmd_state(f, ops[0]);
  if (!strcmp(command, "start")) return cmd_start(f, ops[0]);
  if (is_kill) return cmd_kill(f, ops[0], m > 1 ? ops[1] : NULL, on(&cmd[0]));
  if (!strcmp(command, "delete")) return cmd_delete(f, ops[0], on(&cmd[0]));
  return -1;
}

int main(int argc, char **argv) {
  struct front f = {.argv = argv, .argc = argc};
  /* MYDOCKER_OCI_FRONT=off: every command through Node, to compare or to rule the front out. */
  const char *mode = getenv("MYDOCKER_OCI_FRONT");
  int code = mode && !strcmp(mode, "off") ? -1 : dispatch(&f, argc - 1, argv + 1);
  if (code < 0) hand_over(&f);
  return code;
}
