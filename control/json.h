/*
 * json.h — the little JSON the control socket and the event stream speak.
 *
 * Writing: a *jbuf* is a growing text buffer with helpers that append JSON
 * values — numbers without printf (a request's event line is written
 * hundreds of thousands of times a second), strings escaped as RFC 8259
 * says (control characters as \u00XX, bytes that are not UTF-8 replaced by
 * U+FFFD so that every line is valid JSON whatever a name holds).  Commas
 * between members and elements are the buffer's business: jb_key and the
 * value helpers put one where one is due.
 *
 * Reading: json_parse_request takes one request line of the control
 * socket's JSON mode, an object of at most JSON_MAX_DEPTH levels, and
 * returns its "cmd" (a string, unescaped) and its "id" (any scalar, kept
 * as written so that the reply can echo it byte for byte).  Members other
 * than these are checked and ignored.  Anything else is refused with a
 * message: the parser reads only the bytes it is given, keeps nothing
 * between calls, and allocates only the two results.
 */
#ifndef BLKMON_CONTROL_JSON_H
#define BLKMON_CONTROL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct jbuf {
    char *p;
    size_t len, cap;
    bool comma;          /* a value was just written: the next needs ',' */
};

void jb_init(struct jbuf *b);
void jb_free(struct jbuf *b);
/* Empty it, keeping its memory. */
void jb_reset(struct jbuf *b);
/* Make room for n more bytes; aborts when out of memory. */
void jb_reserve(struct jbuf *b, size_t n);
void jb_raw(struct jbuf *b, const char *s, size_t n);
#define jb_lit(b, s) jb_raw((b), (s), sizeof(s) - 1)

/* '{' or '[' (after a comma if one is due), and their ends. */
void jb_open(struct jbuf *b, char c);
void jb_close(struct jbuf *b, char c);
/* "key": (after a comma if one is due). */
void jb_key(struct jbuf *b, const char *key);
/* Values (after a comma if one is due). */
void jb_u64(struct jbuf *b, uint64_t v);
void jb_i64(struct jbuf *b, int64_t v);
void jb_bool(struct jbuf *b, bool v);
void jb_null(struct jbuf *b);
void jb_str(struct jbuf *b, const char *s);
void jb_strn(struct jbuf *b, const char *s, size_t n);
/* A value already in JSON (an echoed id). */
void jb_json(struct jbuf *b, const char *json);
/* A member, "key": value (after a comma if one is due). */
static inline void jb_kv_u64(struct jbuf *b, const char *key, uint64_t v)
{
    jb_key(b, key);
    jb_u64(b, v);
}
static inline void jb_kv_i64(struct jbuf *b, const char *key, int64_t v)
{
    jb_key(b, key);
    jb_i64(b, v);
}
static inline void jb_kv_bool(struct jbuf *b, const char *key, bool v)
{
    jb_key(b, key);
    jb_bool(b, v);
}
static inline void jb_kv_str(struct jbuf *b, const char *key, const char *s)
{
    jb_key(b, key);
    jb_str(b, s);
}

/* Digits of v into buf (at least 20 bytes); returns their count. */
size_t json_utoa(uint64_t v, char *buf);

#define JSON_MAX_DEPTH 16

struct json_request {
    char *id;            /* as written ("7", "\"a\"", "null"), or NULL */
    char *cmd;           /* unescaped, or NULL when absent */
};

/* 0, or -EINVAL with a message in *cause (allocated).  req's fields are
 * allocated; json_request_fini frees them. */
int json_parse_request(const char *text, size_t len, struct json_request *req,
                       char **cause);
void json_request_fini(struct json_request *req);

/*
 * A whole JSON text as a tree, for a client reading what blkmon sends (an
 * attached TUI's view frames).  Numbers keep their integer value exactly
 * when they are integers (i), and a double (d) always.  Nesting is bounded
 * as above.
 */
enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY,
                 JSON_OBJECT };
struct json_value {
    enum json_type type;
    bool b;
    int64_t i;
    double d;
    char *s;                     /* strings: unescaped, NUL-terminated */
    size_t n;                    /* array elements, object members */
    struct json_value *items;
    char **keys;                 /* objects: the members' names */
};
int json_parse(const char *text, size_t len, struct json_value *out,
               char **cause);
void json_value_fini(struct json_value *v);
/* The member called key of an object, or NULL (also for a non-object). */
const struct json_value *json_get(const struct json_value *obj,
                                  const char *key);
/* A number's integer value, or dflt when v is not a number. */
int64_t json_int(const struct json_value *v, int64_t dflt);
/* A string's text, or NULL. */
const char *json_str(const struct json_value *v);
bool json_true(const struct json_value *v);

#endif
