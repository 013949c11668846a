/*
 * Reading config.json's json-c values the way plan.c needs them: every value checked once (tree_ok) for
 * what JSON.parse could read otherwise, then typed reads that tell "absent" from "another type"; and
 * JSON.stringify's string escaping for the files the front writes.
 */
#include "plan-json.h"
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int json_quote(char *buf, size_t len, size_t *pos, const char *s) {
#define PUT(c)                                                                                                                                                 \
  do {                                                                                                                                                         \
    if (*pos + 1 >= len) return -1;                                                                                                                            \
    buf[(*pos)++] = (c);                                                                                                                                       \
  } while (0)
  PUT('"');
  for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
    const char *esc = NULL;
    char u[8];
    switch (*c) {
    case '"': esc = "\\\""; break;
    case '\\': esc = "\\\\"; break;
    case '\b': esc = "\\b"; break;
    case '\f': esc = "\\f"; break;
    case '\n': esc = "\\n"; break;
    case '\r': esc = "\\r"; break;
    case '\t': esc = "\\t"; break;
    default:
      if (*c < 0x20) {
        snprintf(u, sizeof u, "\\u%04x", *c);
        esc = u;
      }
    }
    if (esc)
      for (; *esc; esc++) PUT(*esc);
    else
      PUT((char)*c);
  }
  PUT('"');
  buf[*pos] = 0;
  return 0;
#undef PUT
}

int valid_utf8(const unsigned char *s, size_t n) {
  for (size_t i = 0; i < n;) {
    unsigned char c = s[i];
    size_t k = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 : (c & 0xf8) == 0xf0 ? 3 : 9;
    if (k == 9 || i + k >= n + (k == 0)) return 0;
    if (k == 1 && c < 0xc2) return 0;
    unsigned cp = k == 0 ? c : k == 1 ? c & 0x1fu : k == 2 ? c & 0x0fu : c & 0x07u;
    for (size_t j = 1; j <= k; j++) {
      if ((s[i + j] & 0xc0) != 0x80) return 0;
      cp = (cp << 6) | (s[i + j] & 0x3fu);
    }
    if ((k == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (k == 3 && (cp < 0x10000 || cp > 0x10ffff))) return 0;
    i += k + 1;
  }
  return 1;
}

/* A string JSON.parse and json-c read alike, fit for the NUL-separated launch config and its \x1f/\x1e fields. */
int plain_string(const char *s, size_t n) {
  if (strlen(s) != n) return 0;
  for (size_t i = 0; i < n; i++)
    if (s[i] == 0x1e || s[i] == 0x1f) return 0;
  return valid_utf8((const unsigned char *)s, n);
}

/* Every value: no null, no fraction, integers within 2^53, plain strings and keys. */
int tree_ok(J *o, int depth) {
  if (depth > 64) return 0;
  switch (json_object_get_type(o)) {
  case json_type_null:
  case json_type_double: return 0;
  case json_type_int: {
    int64_t v = json_object_get_int64(o);
    return v >= -SAFE_INT && v <= SAFE_INT;
  }
  case json_type_string: return plain_string(json_object_get_string(o), (size_t)json_object_get_string_len(o));
  case json_type_array:
    for (size_t i = 0; i < json_object_array_length(o); i++)
      if (!tree_ok(json_object_array_get_idx(o, i), depth + 1)) return 0;
    return 1;
  case json_type_object: {
    json_object_object_foreach(o, k, v) {
      if (!plain_string(k, strlen(k)) || !tree_ok(v, depth + 1)) return 0;
    }
    return 1;
  }
  default: return 1;
  }
}

/* Only keys from the list (the fields the front implements as createEntries does). */
int keys_in(J *o, const char *const *known) {
  json_object_object_foreach(o, k, v) {
    (void)v;
    int found = 0;
    for (const char *const *n = known; *n && !found; n++) found = !strcmp(*n, k);
    if (!found) return 0;
  }
  return 1;
}

J *get(J *o, const char *key) {
  J *v = NULL;
  return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* Typed reads: 0 absent, 1 present, -1 present with another type. */
int get_str(J *o, const char *key, const char **out) {
  J *v = get(o, key);
  if (!v) return 0;
  if (!json_object_is_type(v, json_type_string)) return -1;
  *out = json_object_get_string(v);
  return 1;
}

int get_int(J *o, const char *key, long long *out) {
  J *v = get(o, key);
  if (!v) return 0;
  if (!json_object_is_type(v, json_type_int)) return -1;
  *out = (long long)json_object_get_int64(v);
  return 1;
}

int get_bool(J *o, const char *key, int *out) {
  J *v = get(o, key);
  if (!v) return 0;
  if (!json_object_is_type(v, json_type_boolean)) return -1;
  *out = json_object_get_boolean(v);
  return 1;
}

int get_type(J *o, const char *key, json_type t, J **out) {
  J *v = get(o, key);
  if (!v) return 0;
  if (!json_object_is_type(v, t)) return -1;
  *out = v;
  return 1;
}

/* An array of strings (absent = empty); -1 for anything else. */
int str_array(J *o, const char *key, J **out) {
  J *a = NULL;
  int r = get_type(o, key, json_type_array, &a);
  if (r < 0) return -1;
  *out = a;
  for (size_t i = 0; a && i < json_object_array_length(a); i++)
    if (!json_object_is_type(json_object_array_get_idx(a, i), json_type_string)) return -1;
  return r;
}

int lookup(const char *const *names, const char *name) {
  for (int i = 0; names[i]; i++)
    if (!strcmp(names[i], name)) return i;
  return -1;
}
