/* linux.seccomp → the helper's sc_default/sc_arch/sc_flag/sc_rule entries, as src/seccomp.ts seccompEntries. */
#include "plan-json.h"
#include <stdio.h>
#include <string.h>

/* ---- seccomp (src/seccomp.ts) ---- */

static int action_of(const char *name, long long errno_ret, unsigned *out) {
  static const char *const names[] = {"SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_KILL_PROCESS",
                                      "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO",       "SCMP_ACT_TRACE",
                                      "SCMP_ACT_LOG",  "SCMP_ACT_ALLOW",       NULL};
  static const unsigned values[] = {0, 0, 0x80000000u, 0x00030000u, 0x00050000u, 0x7ff00000u, 0x7ffc0000u, 0x7fff0000u};
  int i = lookup(names, name);
  if (i < 0) return -1;
  *out = values[i] | ((i == 4 || i == 5) ? (unsigned)(errno_ret & 0xffff) : 0);
  return 0;
}

int seccomp_entries(struct plan *p, J *sc) {
  static const char *const known[] = {"defaultAction", "defaultErrnoRet", "architectures", "flags", "syscalls", NULL};
  static const char *const arch_spec[] = {
      "SCMP_ARCH_X86",    "SCMP_ARCH_X86_64",    "SCMP_ARCH_X32",    "SCMP_ARCH_ARM",      "SCMP_ARCH_AARCH64",     "SCMP_ARCH_MIPS",
      "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
      "SCMP_ARCH_PPC64",  "SCMP_ARCH_PPC64LE",   "SCMP_ARCH_S390",   "SCMP_ARCH_S390X",    "SCMP_ARCH_RISCV64",     NULL};
  static const char *const arch_lib[] = {"x86",      "x86_64",      "x32", "arm",   "aarch64", "mips", "mips64", "mips64n32", "mipsel",
                                         "mipsel64", "mipsel64n32", "ppc", "ppc64", "ppc64le", "s390", "s390x",  "riscv64"};
  static const char *const flags[] = {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", NULL};
  static const char *const ops[] = {"", "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ", NULL};
  if (!json_object_is_type(sc, json_type_object) || !keys_in(sc, known)) HAND("linux.seccomp field");
  const char *def;
  long long def_errno = 1;
  J *arches = NULL, *fl = NULL, *rules = NULL;
  unsigned act;
  if (get_str(sc, "defaultAction", &def) <= 0 || get_int(sc, "defaultErrnoRet", &def_errno) < 0 || action_of(def, def_errno, &act)) HAND("seccomp default");
  if (addf(p, "sc_default", "%x", act)) return -1;
  if (str_array(sc, "architectures", &arches) < 0 || str_array(sc, "flags", &fl) < 0 || get_type(sc, "syscalls", json_type_array, &rules) < 0)
    HAND("seccomp lists");
  for (size_t i = 0; i < LEN(arches); i++) {
    int a = lookup(arch_spec, STR_AT(arches, i));
    if (a < 0) HAND("seccomp arch");
    if (plan_add(p, "sc_arch", arch_lib[a])) return -1;
  }
  for (size_t i = 0; i < LEN(fl); i++) {
    if (lookup(flags, STR_AT(fl, i)) < 0) HAND("seccomp flag");
    if (plan_add(p, "sc_flag", STR_AT(fl, i))) return -1;
  }
  for (size_t i = 0; i < LEN(rules); i++) {
    static const char *const rk[] = {"names", "action", "errnoRet", "args", NULL};
    static const char *const ak[] = {"index", "value", "valueTwo", "op", NULL};
    J *r = json_object_array_get_idx(rules, i), *names = NULL, *args = NULL;
    const char *an;
    long long eret = 1;
    if (!json_object_is_type(r, json_type_object) || !keys_in(r, rk) || get_str(r, "action", &an) <= 0 || get_int(r, "errnoRet", &eret) < 0 ||
        action_of(an, eret, &act) || str_array(r, "names", &names) < 0 || get_type(r, "args", json_type_array, &args) < 0 || LEN(args) > 6)
      HAND("seccomp rule");
    char argtext[1024];
    size_t at = 0;
    argtext[0] = 0;
    for (size_t k = 0; k < LEN(args); k++) {
      J *a = json_object_array_get_idx(args, k);
      const char *op;
      long long index, value, two = 0;
      int o;
      if (!json_object_is_type(a, json_type_object) || !keys_in(a, ak) || get_str(a, "op", &op) <= 0 || (o = lookup(ops, op)) <= 0 ||
          get_int(a, "index", &index) <= 0 || index < 0 || index > 5 || get_int(a, "value", &value) <= 0 || get_int(a, "valueTwo", &two) < 0)
        HAND("seccomp argument");
      at += (size_t)snprintf(argtext + at, sizeof argtext - at, "%s%lld:%d:%llu:%llu", k ? ";" : "", index, o, (unsigned long long)value,
                             (unsigned long long)two);
    }
    for (size_t k = 0; k < LEN(names); k++)
      if (addf(p, "sc_rule", "%s" US "%x" US "%s", STR_AT(names, k), act, argtext)) return -1;
  }
  return 0;
}
