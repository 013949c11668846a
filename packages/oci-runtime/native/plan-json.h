/* plan.c's typed reading of json-c values, shared by the translation's files. */
#ifndef MYDOCKER_OCI_PLAN_JSON_H
#define MYDOCKER_OCI_PLAN_JSON_H
#include "plan.h"
#include <json-c/json.h>
#include <stddef.h>

typedef struct json_object J;

#define US "\x1f"
#define RS "\x1e"
#define SAFE_INT 9007199254740991LL
/* Hand over: plan_build returns -1 with the reason kept for the test printer. */
#define HAND(reason)                                                                                                                                           \
  do {                                                                                                                                                         \
    p->why = reason;                                                                                                                                           \
    return -1;                                                                                                                                                 \
  } while (0)
#define LEN(a) (a ? json_object_array_length(a) : 0)
#define STR_AT(a, i) json_object_get_string(json_object_array_get_idx(a, i))

int valid_utf8(const unsigned char *s, size_t n);
/* A string JSON.parse and json-c read alike, fit for the NUL-separated launch config and its \x1f/\x1e fields. */
int plain_string(const char *s, size_t n);
/* Every value: no null, no fraction, integers within 2^53, plain strings and keys. */
int tree_ok(J *o, int depth);
/* Only keys from the NULL-terminated list. */
int keys_in(J *o, const char *const *known);
J *get(J *o, const char *key);
/* Typed reads: 0 absent, 1 present, -1 present with another type. */
int get_str(J *o, const char *key, const char **out);
int get_int(J *o, const char *key, long long *out);
int get_bool(J *o, const char *key, int *out);
int get_type(J *o, const char *key, json_type t, J **out);
/* An array of strings (absent = empty); -1 for anything else. */
int str_array(J *o, const char *key, J **out);
/* The index of name in a NULL-terminated list, or -1. */
int lookup(const char *const *names, const char *name);
/* plan_add with printf formatting. */
int addf(struct plan *p, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* linux.seccomp → sc_* entries (src/seccomp.ts), plan-seccomp.c. */
int seccomp_entries(struct plan *p, J *sc);
#endif
