/*
 * opts-json.c — "json:{...}" file names, read into options as qemu reads
 * them: nested objects join their keys with '.', arrays number their
 * elements ("inject-error.0.event"), so the result is what the same
 * options typed with -o would give.  Scalars become text: strings as they
 * are, numbers as written, true and false as "on" and "off", null as "".
 * qemu's parser also takes single-quoted strings; so does this one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"
#include "util/strfmt.h"

struct json_in {
    const char *p;
    struct bk_opts *opts;
    const char *error;       /* qemu's words for the first problem */
    int depth;               /* containers open: bounded, never a crash */
    char word[64];           /* room for an "invalid keyword" message */
};

enum { JSON_MAX_DEPTH = 1024 };

/* Growing text buffer. */
struct text {
    char *s;
    size_t len, cap;
};

static void text_add(struct text *t, const char *s, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        t->cap = (t->len + n + 1) * 2;
        t->s = realloc(t->s, t->cap);
        if (t->s == NULL)
            abort();
    }
    memcpy(t->s + t->len, s, n);
    t->len += n;
    t->s[t->len] = '\0';
}

static void skip_space(struct json_in *in)
{
    while (*in->p == ' ' || *in->p == '\t' || *in->p == '\n' ||
           *in->p == '\r')
        in->p++;
}

static bool fail(struct json_in *in, const char *error)
{
    if (in->error == NULL)
        in->error = *in->p == '\0' ? "premature EOI" : error;
    return false;
}

/* Append code point c as UTF-8. */
static void text_add_utf8(struct text *t, unsigned c)
{
    char b[4];
    size_t n;

    if (c < 0x80) {
        b[0] = (char)c;
        n = 1;
    } else if (c < 0x800) {
        b[0] = (char)(0xc0 | c >> 6);
        b[1] = (char)(0x80 | (c & 0x3f));
        n = 2;
    } else {
        b[0] = (char)(0xe0 | c >> 12);
        b[1] = (char)(0x80 | ((c >> 6) & 0x3f));
        b[2] = (char)(0x80 | (c & 0x3f));
        n = 3;
    }
    text_add(t, b, n);
}

static bool parse_string(struct json_in *in, struct text *out)
{
    static const char escapes[] = "\"\"\\\\//b\bf\fn\nr\rt\t''";
    char quote = *in->p++;

    text_add(out, "", 0);
    while (*in->p != quote) {
        if (*in->p == '\0')
            return fail(in, "premature EOI");
        if (*in->p != '\\') {
            text_add(out, in->p++, 1);
            continue;
        }
        in->p++;
        if (*in->p == 'u') {
            char hex[5] = { 0 };
            char *end;

            memcpy(hex, in->p + 1, 4);
            if (strlen(hex) < 4)
                return fail(in, "invalid escape");
            text_add_utf8(out, (unsigned)strtoul(hex, &end, 16));
            if (*end != '\0')
                return fail(in, "invalid escape");
            in->p += 5;
            continue;
        }
        for (const char *e = escapes; *e != '\0'; e += 2) {
            if (*e == *in->p) {
                text_add(out, e + 1, 1);
                in->p++;
                goto next;
            }
        }
        return fail(in, "invalid escape");
next:;
    }
    in->p++;
    return true;
}

static bool parse_value(struct json_in *in, struct text *key);

/* The members of an object or the elements of an array under key. */
static bool parse_members(struct json_in *in, struct text *key, bool array)
{
    char close = array ? ']' : '}';
    size_t base = key->len;
    unsigned index = 0;

    if (++in->depth > JSON_MAX_DEPTH)
        return fail(in, "too many nested containers");
    in->p++;
    skip_space(in);
    if (*in->p == close) {
        in->p++;
        in->depth--;
        return true;
    }
    for (;;) {
        key->len = base;
        if (key->s != NULL)
            key->s[base] = '\0';
        if (base > 0)
            text_add(key, ".", 1);
        skip_space(in);
        if (array) {
            char num[16];
            int n = snprintf(num, sizeof(num), "%u", index++);

            text_add(key, num, (size_t)n);
        } else {
            if (*in->p != '"' && *in->p != '\'')
                return fail(in, "expecting a member name");
            if (!parse_string(in, key))
                return false;
            skip_space(in);
            if (*in->p != ':')
                return fail(in, "missing : in object pair");
            in->p++;
        }
        if (!parse_value(in, key))
            return false;
        skip_space(in);
        if (*in->p == ',') {
            in->p++;
            continue;
        }
        if (*in->p == close) {
            in->p++;
            in->depth--;
            key->len = base;
            if (key->s != NULL)
                key->s[base] = '\0';
            return true;
        }
        return fail(in, array ? "expected separator in list"
                              : "expected separator in dict");
    }
}

static bool parse_value(struct json_in *in, struct text *key)
{
    static const struct { const char *word, *value; } words[] = {
        { "true", "on" }, { "false", "off" }, { "null", "" },
    };
    struct text v = { 0 };

    skip_space(in);
    if (*in->p == '{' || *in->p == '[')
        return parse_members(in, key, *in->p == '[');
    if (*in->p == '"' || *in->p == '\'') {
        if (!parse_string(in, &v)) {
            free(v.s);
            return false;
        }
    } else if (*in->p == '-' || (*in->p >= '0' && *in->p <= '9')) {
        size_t n = strspn(in->p, "+-0123456789.eE");

        text_add(&v, in->p, n);
        in->p += n;
    } else {
        for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
            size_t n = strlen(words[i].word);

            if (strncmp(in->p, words[i].word, n) == 0) {
                text_add(&v, words[i].value, strlen(words[i].value));
                in->p += n;
                break;
            }
        }
        if (v.s == NULL) {
            size_t n = strspn(in->p, "abcdefghijklmnopqrstuvwxyz"
                                     "ABCDEFGHIJKLMNOPQRSTUVWXYZ");

            if (n > 0 && in->error == NULL) {
                snprintf(in->word, sizeof(in->word), "invalid keyword '%.*s'",
                         (int)(n < 40 ? n : 40), in->p);
                in->error = in->word;
            }
            return fail(in, "expecting value");
        }
    }
    /* Options given apart from the file name win, as in qemu. */
    if (!bk_opts_has(in->opts, key->s != NULL ? key->s : ""))
        bk_opts_set(in->opts, key->s != NULL ? key->s : "", v.s);
    free(v.s);
    return true;
}

int bk_opts_parse_json(struct bk_opts *opts, const char *text, char **cause)
{
    struct json_in in = { .p = text, .opts = opts };
    struct text key = { 0 };
    bool ok;

    skip_space(&in);
    if (*in.p == '\0') {
        *cause = strfmt("Could not parse the JSON options: Expecting a JSON "
                        "value");
        return -EINVAL;
    }
    if (*in.p != '{') {
        size_t n = strspn(in.p, "abcdefghijklmnopqrstuvwxyz"
                                "ABCDEFGHIJKLMNOPQRSTUVWXYZ");

        /* A word that is no JSON keyword stops qemu's lexer first. */
        if (n > 0 && !(n == 4 && strncmp(in.p, "true", 4) == 0) &&
            !(n == 5 && strncmp(in.p, "false", 5) == 0) &&
            !(n == 4 && strncmp(in.p, "null", 4) == 0)) {
            *cause = strfmt("Could not parse the JSON options: JSON parse "
                            "error, invalid keyword '%.*s'", (int)n, in.p);
            return -EINVAL;
        }
        *cause = strfmt("Invalid JSON object given");
        return -EINVAL;
    }
    ok = parse_members(&in, &key, false);
    free(key.s);
    if (ok) {
        skip_space(&in);
        if (*in.p != '\0') {
            *cause = strfmt("Could not parse the JSON options: Expecting at "
                            "most one JSON value");
            return -EINVAL;
        }
    }
    if (!ok) {
        *cause = strfmt("Could not parse the JSON options: JSON parse error, "
                        "%s", in.error);
        return -EINVAL;
    }
    return 0;
}
