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
    char *message;           /* in->error when it had to be built */
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

/* The same, with a message made for it (freed with in). */
static bool fail_built(struct json_in *in, char *message)
{
    if (in->error != NULL) {
        free(message);
        return false;
    }
    in->message = message;
    in->error = message;
    return false;
}

/* An error about what was read, which the end of the text does not change. */
static bool fail_read(struct json_in *in, const char *error)
{
    if (in->error == NULL)
        in->error = error;
    return false;
}

/*
 * Append code point c as qemu's modified UTF-8: NUL as the two bytes
 * C0 80, so that a "\u0000" does not end the text.
 */
static void text_add_utf8(struct text *t, unsigned c)
{
    char b[4];
    size_t n;

    if (c > 0 && c < 0x80) {
        b[0] = (char)c;
        n = 1;
    } else if (c < 0x800) {
        b[0] = (char)(0xc0 | c >> 6);
        b[1] = (char)(0x80 | (c & 0x3f));
        n = 2;
    } else if (c < 0x10000) {
        b[0] = (char)(0xe0 | c >> 12);
        b[1] = (char)(0x80 | ((c >> 6) & 0x3f));
        b[2] = (char)(0x80 | (c & 0x3f));
        n = 3;
    } else {
        b[0] = (char)(0xf0 | c >> 18);
        b[1] = (char)(0x80 | ((c >> 12) & 0x3f));
        b[2] = (char)(0x80 | ((c >> 6) & 0x3f));
        b[3] = (char)(0x80 | (c & 0x3f));
        n = 4;
    }
    text_add(t, b, n);
}

/* The value of four hex digits at s, or -1; reads no further than a
 * character that is not one (so never past the end of the text). */
static long hex4(const char *s)
{
    long v = 0;

    for (int i = 0; i < 4; i++) {
        int d;

        if (s[i] >= '0' && s[i] <= '9')
            d = s[i] - '0';
        else if (s[i] >= 'a' && s[i] <= 'f')
            d = s[i] - 'a' + 10;
        else if (s[i] >= 'A' && s[i] <= 'F')
            d = s[i] - 'A' + 10;
        else
            return -1;
        v = v << 4 | d;
    }
    return v;
}

/* qemu's test: in range, no surrogate, no noncharacter. */
static bool valid_code_point(long c)
{
    return c >= 0 && c <= 0x10ffff && !(c >= 0xd800 && c <= 0xdfff) &&
           !(c >= 0xfdd0 && c <= 0xfdef) && (c & 0xfffe) != 0xfffe;
}

/*
 * A "\uXXXX" escape at in->p (on the backslash) in a string closed by
 * quote, with a surrogate pair joined as qemu joins it.  An invalid one is
 * named as qemu names it: by the text from the backslash, six characters
 * but not past the string's closing quote.
 */
static bool parse_unicode_escape(struct json_in *in, char quote,
                                 struct text *out)
{
    const char *beg = in->p;
    size_t len = 6;
    long c = hex4(beg + 2);

    for (size_t i = 2; i < 6; i++) {
        if (beg[i] == '\0' || beg[i] == quote) {
            len = i + (beg[i] == quote);
            break;
        }
        if (beg[i] == '\\' && beg[i + 1] != '\0')
            i++;
    }

    if (c >= 0xd800 && c <= 0xdbff && beg[6] == '\\' && beg[7] == 'u') {
        long trail = hex4(beg + 8);

        c = trail >= 0xdc00 && trail <= 0xdfff
                ? 0x10000 + ((c & 0x3ff) << 10 | (trail & 0x3ff)) : -1;
        if (c >= 0)
            len = 12;
    }
    if (!valid_code_point(c)) {
        return fail_built(in, strfmt("%.*s is not a valid Unicode character",
                                     (int)len, beg));
    }
    text_add_utf8(out, (unsigned)c);
    in->p += len;
    return true;
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
        if (in->p[1] == 'u') {
            if (!parse_unicode_escape(in, quote, out))
                return false;
            continue;
        }
        in->p++;
        for (const char *e = escapes; *e != '\0'; e += 2) {
            if (*e == *in->p) {
                text_add(out, e + 1, 1);
                in->p++;
                goto next;
            }
        }
        return fail(in, "invalid escape sequence in string");
next:;
    }
    in->p++;
    return true;
}

static bool parse_value(struct json_in *in, struct text *key);
static bool lex_number(const char **pp);

/*
 * Note a member name of one object in seen (names end with NUL); false
 * when the object had it already.  Objects in file names are small: a
 * scan does.
 */
static bool name_first_seen(struct text *seen, const char *name)
{
    size_t n = strlen(name) + 1;

    for (size_t at = 0; at < seen->len; at += strlen(seen->s + at) + 1)
        if (strcmp(seen->s + at, name) == 0)
            return false;
    text_add(seen, name, n);
    return true;
}

/*
 * Where qemu wants a member name but finds no string it still parses what
 * stands there as a value (its errors come first), then refuses it.
 */
static bool parse_bad_name(struct json_in *in)
{
    struct bk_opts *real = in->opts;
    struct text key = { 0 };
    bool ok;

    in->opts = bk_opts_new();
    ok = parse_value(in, &key);
    bk_opts_free(in->opts);
    in->opts = real;
    free(key.s);
    if (ok)
        return fail_read(in, "key is not a string in object");
    return false;
}

/* The members of an object or the elements of an array under key. */
static bool parse_members(struct json_in *in, struct text *key, bool array)
{
    char close = array ? ']' : '}';
    size_t base = key->len;
    unsigned index = 0;
    struct text seen = { 0 };       /* the object's member names */
    bool ok = false;

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
        size_t name_at;

        key->len = base;
        if (key->s != NULL)
            key->s[base] = '\0';
        if (base > 0)
            text_add(key, ".", 1);
        name_at = key->len;
        skip_space(in);
        if (array) {
            char num[16];
            int n = snprintf(num, sizeof(num), "%u", index++);

            text_add(key, num, (size_t)n);
        } else {
            if (*in->p != '"' && *in->p != '\'') {
                parse_bad_name(in);
                break;
            }
            if (!parse_string(in, key))
                break;
            skip_space(in);
            if (*in->p != ':') {
                fail(in, "missing : in object pair");
                break;
            }
            in->p++;
        }
        if (!parse_value(in, key))
            break;
        if (!array && !name_first_seen(&seen, key->s + name_at)) {
            fail_read(in, "duplicate key");
            break;
        }
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
            ok = true;
            break;
        }
        fail(in, array ? "expected separator in list"
                       : "expected separator in dict");
        break;
    }
    free(seen.s);
    return ok;
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
        const char *end = in->p;

        if (!lex_number(&end))
            return fail(in, "expecting value");
        text_add(&v, in->p, (size_t)(end - in->p));
        in->p = end;
    } else {
        /* A keyword is every lower-case letter that follows. */
        size_t n = strspn(in->p, "abcdefghijklmnopqrstuvwxyz");

        for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
            if (n == strlen(words[i].word) &&
                strncmp(in->p, words[i].word, n) == 0) {
                text_add(&v, words[i].value, strlen(words[i].value));
                in->p += n;
                break;
            }
        }
        if (v.s == NULL && n > 0)
            return fail_built(in, strfmt("invalid keyword '%.*s'", (int)n,
                                         in->p));
        if (v.s == NULL)
            return fail(in, "expecting value");
    }
    /* Options given apart from the file name win, as in qemu. */
    if (!bk_opts_has(in->opts, key->s != NULL ? key->s : ""))
        bk_opts_set(in->opts, key->s != NULL ? key->s : "", v.s);
    free(v.s);
    return true;
}

/*
 * qemu reads JSON in two passes that interleave: a lexer cuts tokens and
 * reports a bad one ("stray '<text so far>'") at once, while the parser
 * runs only when the brackets opened so far are closed again (or at the
 * end).  So a lexical error inside the first value, even after a
 * grammatical one, or an unterminated string, is what qemu reports, and so
 * is a nesting deeper than 1024.  This scan finds those up to where qemu
 * would first parse; NULL when there are none (then the grammar decides).
 */
enum { JSON_MAX_NESTING = 1024 };

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Move *pp over a number as qemu's lexer reads one; false with *pp on
 * the character it cannot take. */
static bool lex_number(const char **pp)
{
    const char *p = *pp;
    bool zero;

    if (*p == '-')
        p++;
    zero = *p == '0';
    if (!is_digit(*p) || (zero && is_digit(p[1]))) {
        p += zero;
        goto bad;
    }
    while (is_digit(*p))
        p++;
    if (*p == '.') {
        if (!is_digit(*++p))
            goto bad;
        while (is_digit(*p))
            p++;
        zero = false;
    }
    /* A lone 0 ends before an 'e', which starts a keyword. */
    if (!zero && (*p == 'e' || *p == 'E')) {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!is_digit(*p))
            goto bad;
        while (is_digit(*p))
            p++;
    }
    *pp = p;
    return true;
bad:
    *pp = p;
    return false;
}

static char *lex_first_error(const char *p)
{
    int braces = 0, brackets = 0;

    for (;;) {
        const char *beg;

        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            p++;
        if (*p == '\0')
            return NULL;
        beg = p;
        if (*p == '"' || *p == '\'') {
            char quote = *p++;

            /* Bytes 0x20 to 0xfd, any of them escaped, up to the quote. */
            while (*p != quote) {
                if (*p == '\\')
                    p++;
                if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0xfd)
                    goto stray;
                p++;
            }
            p++;
        } else if (*p == '-' || is_digit(*p)) {
            if (!lex_number(&p))
                goto stray;
        } else if (*p >= 'a' && *p <= 'z') {
            while (*p >= 'a' && *p <= 'z')
                p++;
        } else if (*p != '\0' && strchr("{}[],:", *p) != NULL) {
            braces += (*p == '{') - (*p == '}');
            brackets += (*p == '[') - (*p == ']');
            p++;
            if (braces + brackets > JSON_MAX_NESTING)
                return strfmt("JSON nesting depth limit exceeded");
        } else {
            goto stray;
        }
        if (!((braces > 0 || brackets > 0) && braces >= 0 && brackets >= 0))
            return NULL;
        continue;
stray:
        /* The character the lexer could not take joins the token. */
        if (*p != '\0')
            p++;
        return strfmt("JSON parse error, stray '%.*s'", (int)(p - beg), beg);
    }
}

int bk_opts_parse_json(struct bk_opts *opts, const char *text, char **cause)
{
    struct json_in in = { .p = text, .opts = opts };
    struct text key = { 0 };
    char *lex_error = lex_first_error(text);
    bool object, ok;

    if (lex_error != NULL) {
        *cause = strfmt("Could not parse the JSON options: %s", lex_error);
        free(lex_error);
        return -EINVAL;
    }
    skip_space(&in);
    if (*in.p == '\0') {
        *cause = strfmt("Could not parse the JSON options: Expecting a JSON "
                        "value");
        return -EINVAL;
    }
    /* The value is read whatever it is; only then must it be an object. */
    object = *in.p == '{';
    if (object) {
        ok = parse_members(&in, &key, false);
    } else {
        in.opts = bk_opts_new();
        ok = parse_value(&in, &key);
        bk_opts_free(in.opts);
        in.opts = opts;
    }
    free(key.s);
    if (!ok) {
        *cause = strfmt("Could not parse the JSON options: JSON parse error, "
                        "%s", in.error);
        free(in.message);
        return -EINVAL;
    }
    skip_space(&in);
    if (*in.p != '\0') {
        *cause = strfmt("Could not parse the JSON options: Expecting at "
                        "most one JSON value");
        return -EINVAL;
    }
    if (!object) {
        *cause = strfmt("Invalid JSON object given");
        return -EINVAL;
    }
    return 0;
}
