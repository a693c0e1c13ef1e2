/*
 * json.c — JSON out and in (see json.h).
 *
 * The reader is a recursive-descent parser over a (pointer, end) pair:
 * every step checks the end first, so no input can make it read past
 * what it was given, and nesting is bounded so that no input can make it
 * recurse deeply.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "control/json.h"
#include "util/strfmt.h"

void jb_init(struct jbuf *b)
{
    *b = (struct jbuf){ 0 };
}

void jb_free(struct jbuf *b)
{
    free(b->p);
    *b = (struct jbuf){ 0 };
}

void jb_reset(struct jbuf *b)
{
    b->len = 0;
    b->comma = false;
}

void jb_reserve(struct jbuf *b, size_t n)
{
    size_t cap;
    char *p;

    if (b->len + n + 1 <= b->cap)
        return;
    cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1)
        cap *= 2;
    p = realloc(b->p, cap);
    if (p == NULL)
        abort();
    b->p = p;
    b->cap = cap;
}

void jb_raw(struct jbuf *b, const char *s, size_t n)
{
    jb_reserve(b, n);
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void jb_sep(struct jbuf *b)
{
    if (b->comma) {
        jb_reserve(b, 1);
        b->p[b->len++] = ',';
        b->p[b->len] = '\0';
    }
}

void jb_open(struct jbuf *b, char c)
{
    jb_sep(b);
    jb_raw(b, &c, 1);
    b->comma = false;
}

void jb_close(struct jbuf *b, char c)
{
    jb_raw(b, &c, 1);
    b->comma = true;
}

void jb_key(struct jbuf *b, const char *key)
{
    size_t n = strlen(key);

    jb_sep(b);
    jb_reserve(b, n + 3);
    b->p[b->len++] = '"';
    memcpy(b->p + b->len, key, n);
    b->len += n;
    b->p[b->len++] = '"';
    b->p[b->len++] = ':';
    b->p[b->len] = '\0';
    b->comma = false;
}

/* Two digits at a time: a request's line has a dozen numbers, and the
 * stream writes hundreds of thousands of lines a second. */
static const char json_digits[200] =
    "00010203040506070809101112131415161718192021222324252627282930313233"
    "34353637383940414243444546474849505152535455565758596061626364656667"
    "6869707172737475767778798081828384858687888990919293949596979899";

static const uint64_t json_pow10[10] = {
    1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
    1000000000,
};

/*
 * Digits come from the top by multiplying, not from the bottom by
 * dividing: v * 2^57 / 10^k, rounded up, holds v's leading digits above
 * bit 57 and the rest as a binary fraction below it, and each * 100 of
 * the fraction lifts the next two digits above.  Rounding up errs by
 * under v / 2^57, which the * 100s grow to under 10^(2n-1) / 2^57 of the
 * last digit for n digits: below one unit of the digits still to come
 * while n <= 9, so no digit is ever off (and every value below 10^9
 * was checked once against a plain conversion).
 */
#define JSON_FRAC_BITS 57
#define JSON_FRAC(k) ((((uint64_t)1 << JSON_FRAC_BITS) + (k) - 1) / (k))
#define JSON_FRAC_MASK (((uint64_t)1 << JSON_FRAC_BITS) - 1)

static const uint64_t json_frac_unit[9] = {
    JSON_FRAC(1), JSON_FRAC(10), JSON_FRAC(100), JSON_FRAC(1000),
    JSON_FRAC(10000), JSON_FRAC(100000), JSON_FRAC(1000000),
    JSON_FRAC(10000000), JSON_FRAC(100000000),
};

/* The n (1 to 9) digits of v < 10^n, leading zeros included, at p. */
static void json_put_digits(char *p, uint32_t v, unsigned n)
{
    uint64_t t;

    if (n & 1) {
        t = v * json_frac_unit[n - 1];
        *p++ = (char)('0' + (t >> JSON_FRAC_BITS));
    } else {
        t = v * json_frac_unit[n - 2];
        memcpy(p, json_digits + (t >> JSON_FRAC_BITS) * 2, 2);
        p += 2;
    }
    for (n = (n - 1) / 2; n > 0; n--) {
        t = (t & JSON_FRAC_MASK) * 100;
        memcpy(p, json_digits + (t >> JSON_FRAC_BITS) * 2, 2);
        p += 2;
    }
}

size_t json_utoa(uint64_t v, char *buf)
{
    unsigned n;

    if (v < 10) {
        buf[0] = (char)('0' + v);
        return 1;
    }
    if (v >= 1000000000) {
        /* Eight digits at a time from the bottom, the rest as above. */
        size_t hi = json_utoa(v / 100000000, buf);

        json_put_digits(buf + hi, (uint32_t)(v % 100000000), 8);
        return hi + 8;
    }
    /* log10 from log2 (1233 / 4096 is just under log10 2), and one
     * comparison to settle the boundary. */
    n = ((64u - (unsigned)__builtin_clzll(v)) * 1233u) >> 12;
    n += v >= json_pow10[n];
    json_put_digits(buf, (uint32_t)v, n);
    return n;
}

void jb_u64(struct jbuf *b, uint64_t v)
{
    jb_sep(b);
    jb_reserve(b, 20);
    b->len += json_utoa(v, b->p + b->len);
    b->p[b->len] = '\0';
    b->comma = true;
}

void jb_i64(struct jbuf *b, int64_t v)
{
    jb_sep(b);
    jb_reserve(b, 21);
    if (v < 0) {
        b->p[b->len++] = '-';
        b->len += json_utoa((uint64_t)0 - (uint64_t)v, b->p + b->len);
    } else {
        b->len += json_utoa((uint64_t)v, b->p + b->len);
    }
    b->p[b->len] = '\0';
    b->comma = true;
}

void jb_bool(struct jbuf *b, bool v)
{
    jb_sep(b);
    if (v)
        jb_lit(b, "true");
    else
        jb_lit(b, "false");
    b->comma = true;
}

void jb_null(struct jbuf *b)
{
    jb_sep(b);
    jb_lit(b, "null");
    b->comma = true;
}

void jb_json(struct jbuf *b, const char *json)
{
    jb_sep(b);
    jb_raw(b, json, strlen(json));
    b->comma = true;
}

/* Length of a valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    size_t want;
    uint32_t cp;

    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        want = 2;
        cp = s[0] & 0x1f;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        want = 3;
        cp = s[0] & 0x0f;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        want = 4;
        cp = s[0] & 0x07;
    } else {
        return 0;
    }
    if (n < want)
        return 0;
    for (size_t i = 1; i < want; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    /* Overlong forms, surrogates and code points past U+10FFFF. */
    if ((want == 3 && cp < 0x800) || (want == 4 && cp < 0x10000) ||
        (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
        return 0;
    return want;
}

void jb_strn(struct jbuf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;

    jb_sep(b);
    /* Worst case: every byte becomes \u00XX or U+FFFD. */
    jb_reserve(b, n * 6 + 2);
    b->p[b->len++] = '"';
    while (i < n) {
        unsigned char c = u[i];
        size_t k;

        if (c == '"' || c == '\\') {
            b->p[b->len++] = '\\';
            b->p[b->len++] = (char)c;
            i++;
        } else if (c == '\n') {
            b->p[b->len++] = '\\';
            b->p[b->len++] = 'n';
            i++;
        } else if (c == '\t') {
            b->p[b->len++] = '\\';
            b->p[b->len++] = 't';
            i++;
        } else if (c < 0x20 || c == 0x7f) {
            memcpy(b->p + b->len, "\\u00", 4);
            b->len += 4;
            b->p[b->len++] = hex[c >> 4];
            b->p[b->len++] = hex[c & 15];
            i++;
        } else if ((k = utf8_len(u + i, n - i)) > 0) {
            memcpy(b->p + b->len, u + i, k);
            b->len += k;
            i += k;
        } else {
            memcpy(b->p + b->len, "\xef\xbf\xbd", 3);   /* U+FFFD */
            b->len += 3;
            i++;
        }
    }
    b->p[b->len++] = '"';
    b->p[b->len] = '\0';
    b->comma = true;
}

void jb_str(struct jbuf *b, const char *s)
{
    if (s == NULL)
        jb_null(b);
    else
        jb_strn(b, s, strlen(s));
}

/* ---- reading ------------------------------------------------------------- */

struct jin {
    const char *p, *end;
    char *cause;
};

static int jin_fail(struct jin *in, const char *what)
{
    if (in->cause == NULL)
        in->cause = strfmt("invalid JSON: %s", what);
    return -EINVAL;
}

static void jin_ws(struct jin *in)
{
    while (in->p < in->end &&
           (*in->p == ' ' || *in->p == '\t' || *in->p == '\r' ||
            *in->p == '\n'))
        in->p++;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int jin_hex4(struct jin *in, uint32_t *out)
{
    uint32_t v = 0;

    if (in->end - in->p < 4)
        return jin_fail(in, "\\u escape cut short");
    for (int i = 0; i < 4; i++) {
        int h = hexval(in->p[i]);

        if (h < 0)
            return jin_fail(in, "bad \\u escape");
        v = v << 4 | (uint32_t)h;
    }
    in->p += 4;
    *out = v;
    return 0;
}

static void put_utf8(struct jbuf *o, uint32_t cp)
{
    char u[4];
    size_t n;

    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xc0 | cp >> 6);
        u[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xe0 | cp >> 12);
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        u[0] = (char)(0xf0 | cp >> 18);
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    jb_raw(o, u, n);
}

/* A string at in->p (on its '"'); its text into o when o is not NULL. */
static int jin_string(struct jin *in, struct jbuf *o)
{
    in->p++;
    for (;;) {
        unsigned char c;
        size_t k;

        if (in->p >= in->end)
            return jin_fail(in, "string not closed");
        c = (unsigned char)*in->p;
        if (c == '"') {
            in->p++;
            return 0;
        }
        if (c < 0x20)
            return jin_fail(in, "control character in a string");
        if (c != '\\') {
            k = utf8_len((const unsigned char *)in->p,
                         (size_t)(in->end - in->p));
            if (k == 0)
                return jin_fail(in, "not UTF-8");
            if (o != NULL)
                jb_raw(o, in->p, k);
            in->p += k;
            continue;
        }
        in->p++;
        if (in->p >= in->end)
            return jin_fail(in, "escape cut short");
        c = (unsigned char)*in->p++;
        switch (c) {
        case '"': case '\\': case '/':
            if (o != NULL)
                jb_raw(o, (const char *)&c, 1);
            break;
        case 'b': if (o != NULL) jb_lit(o, "\b"); break;
        case 'f': if (o != NULL) jb_lit(o, "\f"); break;
        case 'n': if (o != NULL) jb_lit(o, "\n"); break;
        case 'r': if (o != NULL) jb_lit(o, "\r"); break;
        case 't': if (o != NULL) jb_lit(o, "\t"); break;
        case 'u': {
            uint32_t cp, lo;

            if (jin_hex4(in, &cp) < 0)
                return -EINVAL;
            if (cp >= 0xdc00 && cp <= 0xdfff)
                return jin_fail(in, "lone low surrogate");
            if (cp >= 0xd800 && cp <= 0xdbff) {
                if (in->end - in->p < 2 || in->p[0] != '\\' ||
                    in->p[1] != 'u')
                    return jin_fail(in, "lone high surrogate");
                in->p += 2;
                if (jin_hex4(in, &lo) < 0)
                    return -EINVAL;
                if (lo < 0xdc00 || lo > 0xdfff)
                    return jin_fail(in, "bad surrogate pair");
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            }
            /* A NUL would cut the command short where C reads it. */
            if (cp == 0)
                return jin_fail(in, "\\u0000 in a string");
            if (o != NULL)
                put_utf8(o, cp);
            break;
        }
        default:
            return jin_fail(in, "unknown escape");
        }
    }
}

static int jin_number(struct jin *in)
{
    const char *p = in->p;

    if (p < in->end && *p == '-')
        p++;
    if (p >= in->end || *p < '0' || *p > '9')
        return jin_fail(in, "bad number");
    if (*p == '0')
        p++;
    else
        while (p < in->end && *p >= '0' && *p <= '9')
            p++;
    if (p < in->end && *p == '.') {
        p++;
        if (p >= in->end || *p < '0' || *p > '9')
            return jin_fail(in, "bad number");
        while (p < in->end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < in->end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < in->end && (*p == '+' || *p == '-'))
            p++;
        if (p >= in->end || *p < '0' || *p > '9')
            return jin_fail(in, "bad number");
        while (p < in->end && *p >= '0' && *p <= '9')
            p++;
    }
    in->p = p;
    return 0;
}

static int jin_word(struct jin *in, const char *w)
{
    size_t n = strlen(w);

    if ((size_t)(in->end - in->p) < n || memcmp(in->p, w, n) != 0)
        return jin_fail(in, "unexpected character");
    in->p += n;
    return 0;
}

/* Read one value into v, or with v NULL only check it (a request's
 * members other than its own). */
static int jin_tree(struct jin *in, struct json_value *v, int depth);

int json_parse_request(const char *text, size_t len, struct json_request *req,
                       char **cause)
{
    struct jin in = { text, text + len, NULL };
    bool first = true;

    *req = (struct json_request){ NULL, NULL };
    jin_ws(&in);
    if (in.p >= in.end || *in.p != '{') {
        jin_fail(&in, "a request is an object {\"id\":..,\"cmd\":..}");
        goto fail;
    }
    in.p++;
    for (;;) {
        struct jbuf key;
        const char *vstart;

        jin_ws(&in);
        if (in.p < in.end && *in.p == '}' && first) {
            in.p++;
            break;
        }
        if (in.p >= in.end || *in.p != '"') {
            jin_fail(&in, "expected a member name");
            goto fail;
        }
        jb_init(&key);
        if (jin_string(&in, &key) < 0) {
            jb_free(&key);
            goto fail;
        }
        jin_ws(&in);
        if (in.p >= in.end || *in.p != ':') {
            jb_free(&key);
            jin_fail(&in, "expected ':'");
            goto fail;
        }
        in.p++;
        jin_ws(&in);
        vstart = in.p;
        if (key.p != NULL && strcmp(key.p, "cmd") == 0) {
            struct jbuf v;

            if (in.p >= in.end || *in.p != '"' || req->cmd != NULL) {
                jb_free(&key);
                jin_fail(&in, req->cmd != NULL ? "\"cmd\" given twice"
                                               : "\"cmd\" must be a string");
                goto fail;
            }
            jb_init(&v);
            jb_raw(&v, "", 0);
            if (jin_string(&in, &v) < 0) {
                jb_free(&v);
                jb_free(&key);
                goto fail;
            }
            req->cmd = v.p;
        } else if (key.p != NULL && strcmp(key.p, "id") == 0) {
            if (req->id != NULL || in.p >= in.end || *in.p == '{' ||
                *in.p == '[') {
                jb_free(&key);
                jin_fail(&in, req->id != NULL ? "\"id\" given twice"
                         : "\"id\" must be a string, a number or null");
                goto fail;
            }
            if (jin_tree(&in, NULL, 1) < 0) {
                jb_free(&key);
                goto fail;
            }
            req->id = strndup(vstart, (size_t)(in.p - vstart));
            if (req->id == NULL)
                abort();
        } else if (jin_tree(&in, NULL, 1) < 0) {
            jb_free(&key);
            goto fail;
        }
        jb_free(&key);
        first = false;
        jin_ws(&in);
        if (in.p < in.end && *in.p == '}') {
            in.p++;
            break;
        }
        if (in.p >= in.end || *in.p != ',') {
            jin_fail(&in, "expected ',' or '}'");
            goto fail;
        }
        in.p++;
    }
    jin_ws(&in);
    if (in.p != in.end) {
        jin_fail(&in, "text after the object");
        goto fail;
    }
    return 0;
fail:
    json_request_fini(req);
    *cause = in.cause;
    return -EINVAL;
}

void json_request_fini(struct json_request *req)
{
    free(req->id);
    free(req->cmd);
    *req = (struct json_request){ NULL, NULL };
}

/* ---- trees --------------------------------------------------------------- */

static void tree_push(struct json_value *v, struct json_value *item,
                      char *key)
{
    struct json_value *items = realloc(v->items, (v->n + 1) * sizeof(*items));

    if (items == NULL)
        abort();
    v->items = items;
    if (v->type == JSON_OBJECT) {
        char **keys = realloc(v->keys, (v->n + 1) * sizeof(*keys));

        if (keys == NULL)
            abort();
        v->keys = keys;
        v->keys[v->n] = key;
    }
    v->items[v->n++] = *item;
}

static int jin_tree_container(struct jin *in, struct json_value *v,
                              int depth, char close)
{
    bool first = true;

    if (depth >= JSON_MAX_DEPTH)
        return jin_fail(in, "nested too deep");
    if (v != NULL)
        v->type = close == '}' ? JSON_OBJECT : JSON_ARRAY;
    in->p++;
    for (;;) {
        struct json_value item = { 0 };
        char *key = NULL;

        jin_ws(in);
        if (in->p >= in->end)
            return jin_fail(in, "cut short");
        if (*in->p == close && first) {
            in->p++;
            return 0;
        }
        if (close == '}') {
            struct jbuf k;

            if (*in->p != '"')
                return jin_fail(in, "expected a member name");
            if (v == NULL) {
                if (jin_string(in, NULL) < 0)
                    return -EINVAL;
            } else {
                jb_init(&k);
                jb_raw(&k, "", 0);
                if (jin_string(in, &k) < 0) {
                    jb_free(&k);
                    return -EINVAL;
                }
                key = k.p;
            }
            jin_ws(in);
            if (in->p >= in->end || *in->p != ':') {
                free(key);
                return jin_fail(in, "expected ':'");
            }
            in->p++;
        }
        if (jin_tree(in, v != NULL ? &item : NULL, depth + 1) < 0) {
            free(key);
            json_value_fini(&item);
            return -EINVAL;
        }
        if (v != NULL)
            tree_push(v, &item, key);
        first = false;
        jin_ws(in);
        if (in->p >= in->end)
            return jin_fail(in, "cut short");
        if (*in->p == close) {
            in->p++;
            return 0;
        }
        if (*in->p != ',')
            return jin_fail(in, "expected ',' or the end");
        in->p++;
    }
}

static int jin_tree(struct jin *in, struct json_value *v, int depth)
{
    const char *start;
    struct jbuf b;

    jin_ws(in);
    if (in->p >= in->end)
        return jin_fail(in, "value missing");
    if (v == NULL) {
        switch (*in->p) {
        case '"': return jin_string(in, NULL);
        case 't': return jin_word(in, "true");
        case 'f': return jin_word(in, "false");
        case 'n': return jin_word(in, "null");
        case '{': case '[': break;
        default:  return jin_number(in);
        }
    }
    switch (*in->p) {
    case '"':
        jb_init(&b);
        jb_raw(&b, "", 0);
        if (jin_string(in, &b) < 0) {
            jb_free(&b);
            return -EINVAL;
        }
        v->type = JSON_STRING;
        v->s = b.p;
        return 0;
    case '{':
        return jin_tree_container(in, v, depth, '}');
    case '[':
        return jin_tree_container(in, v, depth, ']');
    case 't':
        v->type = JSON_BOOL;
        v->b = true;
        return jin_word(in, "true");
    case 'f':
        v->type = JSON_BOOL;
        return jin_word(in, "false");
    case 'n':
        v->type = JSON_NULL;
        return jin_word(in, "null");
    default: {
        char num[64];
        size_t n;

        start = in->p;
        if (jin_number(in) < 0)
            return -EINVAL;
        n = (size_t)(in->p - start);
        if (n >= sizeof(num))
            n = sizeof(num) - 1;
        memcpy(num, start, n);
        num[n] = '\0';
        v->type = JSON_NUMBER;
        v->d = strtod(num, NULL);
        if (strpbrk(num, ".eE") == NULL)
            v->i = strtoll(num, NULL, 10);      /* saturates */
        else if (!(v->d > -9.2e18 && v->d < 9.2e18))
            v->i = v->d > 0 ? INT64_MAX : v->d < 0 ? INT64_MIN : 0;
        else
            v->i = (int64_t)v->d;
        return 0;
    }
    }
}

int json_parse(const char *text, size_t len, struct json_value *out,
               char **cause)
{
    struct jin in = { text, text + len, NULL };

    *out = (struct json_value){ 0 };
    if (jin_tree(&in, out, 0) == 0) {
        jin_ws(&in);
        if (in.p == in.end)
            return 0;
        jin_fail(&in, "text after the value");
    }
    json_value_fini(out);
    *cause = in.cause;
    return -EINVAL;
}

void json_value_fini(struct json_value *v)
{
    for (size_t i = 0; i < v->n; i++) {
        json_value_fini(&v->items[i]);
        if (v->keys != NULL)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->s);
    *v = (struct json_value){ 0 };
}

const struct json_value *json_get(const struct json_value *obj,
                                  const char *key)
{
    if (obj == NULL || obj->type != JSON_OBJECT)
        return NULL;
    for (size_t i = 0; i < obj->n; i++)
        if (strcmp(obj->keys[i], key) == 0)
            return &obj->items[i];
    return NULL;
}

int64_t json_int(const struct json_value *v, int64_t dflt)
{
    return v != NULL && v->type == JSON_NUMBER ? v->i : dflt;
}

const char *json_str(const struct json_value *v)
{
    return v != NULL && v->type == JSON_STRING ? v->s : NULL;
}

bool json_true(const struct json_value *v)
{
    return v != NULL && v->type == JSON_BOOL && v->b;
}
