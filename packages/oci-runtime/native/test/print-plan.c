/*
 * The differential test's printer (src/__tests__/front-plan.test.ts builds it from plan*.c, the front's own
 * translation source; it is not part of bin/mydocker-oci): `print-plan CONFIG BUNDLE ID` prints the plan as
 * JSON — entries, rootfs, cgroup location and request — or `{"handOver": REASON}`.
 */
#include "../plan.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char out[1 << 22];

static void q(size_t *pos, const char *s) {
  if (json_quote(out, sizeof out, pos, s)) exit(2);
}

#define LIT(...) (pos += (size_t)snprintf(out + pos, sizeof out - pos, __VA_ARGS__))

int main(int argc, char **argv) {
  if (argc != 4) return 2;
  FILE *in = fopen(argv[1], "rb");
  static char text[1 << 22];
  size_t len = in ? fread(text, 1, sizeof text - 1, in) : 0;
  if (!in) return 2;
  text[len] = 0;
  struct plan p;
  size_t pos = 0;
  if (plan_build(&p, argv[2], text, len, argv[3])) {
    LIT("{\"handOver\":");
    q(&pos, p.why ? p.why : "");
    LIT("}\n");
    fputs(out, stdout);
    return 0;
  }
  LIT("{\"entries\":[");
  for (int i = 0; i < p.n; i++) {
    char *eq = strchr(p.entries[i], '=');
    *eq = 0;
    LIT("%s[", i ? "," : "");
    q(&pos, p.entries[i]);
    LIT(",");
    q(&pos, eq + 1);
    LIT("]");
  }
  LIT("],\"rootfs\":");
  q(&pos, p.rootfs);
  LIT(",\"cgroup\":{\"parent\":");
  q(&pos, p.cg_parent);
  LIT(",\"name\":");
  q(&pos, p.cg_name);
  const struct cg_request *c = &p.cg;
  LIT("},\"limits\":{");
  int first = 1;
#define NUM(flag, name, v)                                                                                                                                     \
  if (flag) {                                                                                                                                                  \
    LIT("%s\"%s\":%lld", first ? "" : ",", name, (long long)(v));                                                                                              \
    first = 0;                                                                                                                                                 \
  }
  NUM(c->has_memory, "memory", c->memory);
  NUM(c->has_swap, "memorySwap", c->swap);
  NUM(c->has_shares, "cpuShares", c->shares);
  NUM(c->has_quota, "cpuQuota", c->quota);
  NUM(c->has_quota, "cpuPeriod", c->period);
  if (c->has_cpus) {
    LIT("%s\"cpusetCpus\":", first ? "" : ",");
    q(&pos, c->cpus);
    first = 0;
  }
  if (c->has_mems) {
    LIT("%s\"cpusetMems\":", first ? "" : ",");
    q(&pos, c->mems);
    first = 0;
  }
  NUM(c->has_pids, "pidsLimit", c->pids);
  LIT("}");
  if (c->has_rules) {
    LIT(",\"devices\":[");
    for (int i = 0; i < c->n_rules; i++) {
      const struct dev_rule *r = &c->rules[i];
      char major[24], minor[24];
      snprintf(major, sizeof major, r->major < 0 ? "\"*\"" : "%lld", r->major);
      snprintf(minor, sizeof minor, r->minor < 0 ? "\"*\"" : "%lld", r->minor);
      LIT("%s{\"type\":\"%c\",\"major\":%s,\"minor\":%s,\"access\":\"%s\",\"allow\":%s}", i ? "," : "", r->type, major, minor, r->access,
          r->allow ? "true" : "false");
    }
    LIT("]");
  }
  LIT("}\n");
  fputs(out, stdout);
  plan_free(&p);
  return 0;
}
