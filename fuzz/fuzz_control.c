/*
 * control/fuzz/proto.c — a libFuzzer harness of the control socket's
 * request parser (and of the metrics endpoint's HTTP head parser and the
 * JSON tree parser an attached TUI reads frames with): the input is what a
 * client sends, fed to the line
 * splitter (control/proto.c) in pieces whose sizes the first byte picks,
 * and each request it yields is answered as the server answers it (a JSON
 * reply with its id echoed, or a text frame) and the reply checked: a
 * JSON reply must parse back as JSON with the same id.  The parser must
 * not crash, leak, or read past what it was given.
 *
 *   clang -fsanitize=fuzzer,address -I. -D_GNU_SOURCE control/fuzz/proto.c \
 *       build/libblkmon.a $(pkg-config --libs gnutls liburing) -lpthread -lm
 *   cc -DFUZZ_STANDALONE ... (a regression runner: each argument a file;
 *       tests/control/run builds it and runs it over seeded random inputs)
 */
#include "fuzz/fuzz.h"
#include "control/events.h"
#include "control/json.h"
#include "control/metrics.h"
#include "control/proto.h"

static void fuzz_check_reply(const struct jbuf *b, const char *id)
{
    struct json_request back;
    char *cause = NULL;
    struct jbuf req;

    /* The reply is an object: as a request it lacks "cmd" but parses,
     * and its id is the one echoed. */
    if (b->len == 0 || b->p[b->len - 1] != '\n')
        fuzz_fail("a reply does not end its line");
    if (json_parse_request(b->p, b->len - 1, &back, &cause) < 0)
        fuzz_fail("a reply does not parse: %s", cause);
    if (strcmp(back.id, id != NULL ? id : "null") != 0)
        fuzz_fail("a reply echoes %s for %s", back.id, id ? id : "null");
    json_request_fini(&back);
    free(cause);
    /* A request made of the reply's text, escaped, parses back to it. */
    jb_init(&req);
    jb_open(&req, '{');
    jb_key(&req, "cmd");
    jb_strn(&req, b->p, b->len);
    jb_close(&req, '}');
    if (json_parse_request(req.p, req.len, &back, &cause) < 0)
        fuzz_fail("an escaped reply does not parse: %s", cause);
    json_request_fini(&back);
    jb_free(&req);
}

static void fuzz_request(const struct ctl_request *r, void *arg)
{
    struct jbuf b;
    unsigned mask;

    (void)arg;
    jb_init(&b);
    if (r->json) {
        const char *text = r->refused != NULL ? r->refused : r->cmd;

        ctl_json_reply(&b, r->id, r->refused != NULL ? -22 : 0, text,
                       strlen(text), r->refused, r->refused != NULL
                       ? strlen(r->refused) : 0);
        fuzz_check_reply(&b, r->id);
    } else {
        const char *text = r->refused != NULL ? r->refused : r->cmd;

        ctl_frame_header(&b, r->refused != NULL ? "error" : "ok",
                         strlen(text), r->refused != NULL ? "EINVAL" : NULL);
        if (r->cmd != NULL && strchr(r->cmd, '\n') != NULL)
            fuzz_fail("a text request holds a newline");
    }
    if (r->cmd != NULL)
        ev_parse_kinds(r->cmd, &mask);
    jb_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The metrics endpoint's head parser on every prefix of the input (as
 * bytes arrive), and the tree parser on the whole of it. */
static void fuzz_other_parsers(const uint8_t *data, size_t size)
{
    struct json_value v;
    char *cause = NULL;
    bool head_only;

    for (size_t n = 0; n <= size && n <= METRICS_HEAD_MAX; n += 1 + n / 8) {
        int status = metrics_parse_head((const char *)data, n, &head_only);

        if (status != 0 && status != 200 && status != 400 &&
            status != 404 && status != 405 && status != 431)
            fuzz_fail("head parser answered %d", status);
    }
    if (json_parse((const char *)data, size, &v, &cause) == 0)
        json_value_fini(&v);
    free(cause);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ctl_input *in = calloc(1, sizeof(*in));
    size_t piece, off = 0;

    if (in == NULL)
        return 0;
    fuzz_other_parsers(data, size);
    piece = size > 0 ? (size_t)data[0] % 64 + 1 : 1;
    while (off < size) {
        size_t n = size - off < piece ? size - off : piece;

        ctl_input_take(in, (const char *)data + off, n, fuzz_request, NULL);
        off += n;
        /* Every few pieces, a big one: lines longer than the limit. */
        piece = piece * 7 % 70000 + 1;
    }
    free(in);
    return 0;
}
