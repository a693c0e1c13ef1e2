/*
 * nbd-opts.c — where an nbd node connects, from its file name and options.
 *
 * qemu reads the file name first (nbd_parse_filename): a URI
 * (nbd://HOST[:PORT]/NAME, nbd+tcp://..., nbd+unix:///NAME?socket=PATH)
 * or the older colon form (nbd:HOST:PORT, nbd:unix:PATH, either with
 * :exportname=NAME).  Both turn into options, the same that
 * --image-opts gives: server.type=inet with server.host and server.port,
 * or server.type=unix with server.path; export.  The oldest option names
 * (host, port, path) still work.  Any bad URI is "No valid URL specified"
 * and nothing more, as in qemu.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "backend/nbd.h"
#include "nbd/proto.h"

/* %XX escapes decoded, as qemu's URI parser hands out a path. */
static char *uri_unescape(const char *s, size_t len)
{
    char *out = malloc(len + 1), *o = out;

    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '%' && i + 2 < len && isxdigit((unsigned char)s[i + 1]) &&
            isxdigit((unsigned char)s[i + 2])) {
            char hex[3] = { s[i + 1], s[i + 2], '\0' };

            *o++ = (char)strtol(hex, NULL, 16);
            i += 2;
        } else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    return out;
}

static bool port_ok(const char *p, size_t len)
{
    if (len == 0 || len > 5)
        return len == 0;
    for (size_t i = 0; i < len; i++)
        if (p[i] < '0' || p[i] > '9')
            return false;
    return atoi(p) <= 65535;
}

/* nbd_parse_uri: 0, or -EINVAL (the caller words it). */
static int parse_uri(const char *uri, struct bk_opts *opts)
{
    const char *sep = strstr(uri, "://"), *auth, *path, *query;
    size_t auth_len, path_len;
    bool is_unix;
    char *export, *host = NULL, *port = NULL;
    int ret = -EINVAL;

    if (strncmp(uri, "nbd://", 6) == 0 || strncmp(uri, "nbd+tcp://", 10) == 0)
        is_unix = false;
    else if (strncmp(uri, "nbd+unix://", 11) == 0)
        is_unix = true;
    else
        return -EINVAL;
    auth = sep + 3;
    auth_len = strcspn(auth, "/?#");
    path = auth + auth_len;
    path_len = strcspn(path, "?#");
    query = path[path_len] == '?' ? path + path_len + 1 : NULL;
    if (path[path_len] == '#' || (query != NULL && strchr(query, '#')))
        return -EINVAL;

    /* The authority: [user@]host[:port], host possibly [v6]. */
    if (auth_len > 0) {
        const char *at = memchr(auth, '@', auth_len), *h = auth, *colon;
        size_t hlen;

        if (at != NULL) {
            auth_len -= (size_t)(at + 1 - auth);
            h = at + 1;
        }
        if (h[0] == '[') {
            const char *close = memchr(h, ']', auth_len);

            if (close == NULL)
                return -EINVAL;
            colon = close[1] == ':' ? close + 1 : NULL;
            if (colon == NULL && close + 1 != h + auth_len)
                return -EINVAL;
        } else {
            colon = memchr(h, ':', auth_len);
        }
        hlen = colon != NULL ? (size_t)(colon - h) : auth_len;
        if (colon != NULL) {
            size_t plen = auth_len - hlen - 1;

            if (!port_ok(colon + 1, plen))
                return -EINVAL;
            if (plen > 0 && atoi(colon + 1) != 0)
                port = strndup(colon + 1, plen);
        }
        if (hlen > 0)
            host = h[0] == '[' ? strndup(h + 1, hlen - 2)
                               : uri_unescape(h, hlen);
    }

    export = uri_unescape(path[0] == '/' ? path + 1 : path,
                          path[0] == '/' ? path_len - 1 : path_len);
    if (is_unix) {
        const char *eq;

        /* Exactly one parameter, socket=PATH, and no server. */
        if (query == NULL || *query == '\0' || strpbrk(query, "&;") ||
            host != NULL || port != NULL ||
            (eq = strchr(query, '=')) == NULL ||
            (size_t)(eq - query) != 6 || strncmp(query, "socket", 6) != 0)
            goto out;
        if (*export != '\0')
            bk_opts_set(opts, "export", export);
        bk_opts_set(opts, "server.type", "unix");
        free(host);
        host = uri_unescape(eq + 1, strlen(eq + 1));
        bk_opts_set(opts, "server.path", host);
    } else {
        if ((query != NULL && *query != '\0') || host == NULL)
            goto out;
        if (*export != '\0')
            bk_opts_set(opts, "export", export);
        bk_opts_set(opts, "server.type", "inet");
        bk_opts_set(opts, "server.host", host);
        bk_opts_set(opts, "server.port",
                    port != NULL ? port : BK_NBD_DEFAULT_PORT);
    }
    ret = 0;
out:
    free(export);
    free(host);
    free(port);
    return ret;
}

/* nbd_parse_filename: the name's options into opts. */
static int parse_filename(const char *filename, struct bk_opts *opts,
                          char **cause)
{
    const char *key, *value, *spec;
    char *file, *en;
    int ret = 0;

    size_t order[64], n = bk_opts_qemu_order(opts, order, 64);

    /* The first qemu's dictionary walks to is the one it names. */
    for (size_t i = 0; i < n && bk_opts_at(opts, order[i], &key, &value);
         i++)
        if (strcmp(key, "host") == 0 || strcmp(key, "port") == 0 ||
            strcmp(key, "path") == 0 || strcmp(key, "export") == 0 ||
            strncmp(key, "server.", 7) == 0) {
            *cause = strfmt("Option '%s' cannot be used with a file name",
                            key);
            return -EINVAL;
        }
    if (strstr(filename, "://") != NULL) {
        if (parse_uri(filename, opts) < 0) {
            *cause = strfmt("No valid URL specified");
            return -EINVAL;
        }
        return 0;
    }
    file = strdup(filename);
    if (file == NULL)
        return -ENOMEM;
    en = strstr(file, ":exportname=");
    if (en != NULL) {
        if (en[12] == '\0')
            goto out;
        *en = '\0';
        bk_opts_set(opts, "export", en + 12);
    }
    if (strncmp(file, "nbd:", 4) != 0) {
        *cause = strfmt("File name string for NBD must start with 'nbd:'");
        ret = -EINVAL;
        goto out;
    }
    spec = file + 4;
    if (*spec == '\0')
        goto out;
    if (strncmp(spec, "unix:", 5) == 0) {
        bk_opts_set(opts, "server.type", "unix");
        bk_opts_set(opts, "server.path", spec + 5);
    } else {
        /* qemu's inet_parse: HOST:PORT or [V6]:PORT, options after a
         * comma. */
        const char *colon, *h = spec;
        size_t hlen;

        if (*spec == '[') {
            const char *close = strchr(spec, ']');

            colon = close != NULL && close[1] == ':' ? close + 1 : NULL;
            h = spec + 1;
            hlen = close != NULL ? (size_t)(close - h) : 0;
        } else {
            colon = strchr(spec, ':');
            hlen = colon != NULL ? (size_t)(colon - spec) : 0;
        }
        if (colon == NULL || colon[1] == '\0' || colon[1] == ',') {
            *cause = strfmt("error parsing address '%s'", spec);
            ret = -EINVAL;
            goto out;
        }
        {
            char *host = strndup(h, hlen);
            char *port = strndup(colon + 1, strcspn(colon + 1, ","));

            bk_opts_set(opts, "server.type", "inet");
            bk_opts_set(opts, "server.host", host);
            bk_opts_set(opts, "server.port", port);
            free(host);
            free(port);
        }
    }
out:
    free(file);
    return ret;
}

/* nbd_process_legacy_socket_options. */
static int legacy_socket_options(struct bk_opts *opts, char *path,
                                 char *host, char *port, char **cause)
{
    const char *key, *value;

    if (path == NULL && host == NULL && port == NULL)
        return 0;
    for (size_t i = 0; bk_opts_at(opts, i, &key, &value); i++)
        if (strncmp(key, "server.", 7) == 0) {
            *cause = strfmt("Cannot use 'server' and path/host/port at the "
                            "same time");
            return -EINVAL;
        }
    if (path != NULL && host != NULL) {
        *cause = strfmt("path and host may not be used at the same time");
        return -EINVAL;
    }
    if (path != NULL) {
        if (port != NULL) {
            *cause = strfmt("port may not be used without host");
            return -EINVAL;
        }
        bk_opts_set(opts, "server.type", "unix");
        bk_opts_set(opts, "server.path", path);
    } else if (host != NULL) {
        bk_opts_set(opts, "server.type", "inet");
        bk_opts_set(opts, "server.host", host);
        bk_opts_set(opts, "server.port",
                    port != NULL ? port : BK_NBD_DEFAULT_PORT);
    }
    return 0;
}

/* qemu's SocketAddress, as its visitor reads it from server.*: the type
 * first, then its members, then anything left over. */
static int socket_address(struct bk_opts *server, struct nbd_addr *a,
                          char **cause)
{
    /* Members qemu knows that make no difference here. */
    static const char *const inet_extra[] = {
        "numeric", "to", "ipv4", "ipv6", "keep-alive", "mptcp", NULL };
    static const char *const unix_extra[] = { "abstract", "tight", NULL };
    const char *const *extra;
    const char *key;
    char *type;
    int ret = -EINVAL;

    if (bk_opts_count(server) == 0) {
        *cause = strfmt("NBD server address missing");
        return -EINVAL;
    }
    type = bk_opts_take(server, "type");
    if (type == NULL) {
        *cause = strfmt("Parameter 'type' is missing");
        return -EINVAL;
    }
    *a = (struct nbd_addr){ 0 };
    if (strcmp(type, "inet") == 0) {
        a->host = bk_opts_take(server, "host");
        if (a->host == NULL) {
            *cause = strfmt("Parameter 'host' is missing");
            goto out;
        }
        a->port = bk_opts_take(server, "port");
        if (a->port == NULL) {
            *cause = strfmt("Parameter 'port' is missing");
            goto out;
        }
        extra = inet_extra;
    } else if (strcmp(type, "unix") == 0) {
        a->is_unix = true;
        a->path = bk_opts_take(server, "path");
        if (a->path == NULL) {
            *cause = strfmt("Parameter 'path' is missing");
            goto out;
        }
        extra = unix_extra;
    } else if (strcmp(type, "fd") == 0 || strcmp(type, "vsock") == 0) {
        *cause = strfmt("NBD server address type '%s' is not supported: "
                        "give inet or unix", type);
        ret = -ENOTSUP;
        goto out;
    } else {
        *cause = strfmt("Parameter 'type' does not accept value '%s'", type);
        goto out;
    }
    for (size_t i = 0; extra[i] != NULL; i++)
        free(bk_opts_take(server, extra[i]));
    if (bk_opts_first_leftover(server, &key)) {
        *cause = strfmt("Parameter '%s' is unexpected", key);
        goto out;
    }
    ret = 0;
out:
    free(type);
    if (ret < 0)
        nbd_addr_clear(a);
    return ret;
}

int bk_nbd_take_config(struct bk_opts *opts, const char *filename,
                       struct bk_nbd_config *cfg, char **cause)
{
    char *host = NULL, *port = NULL, *path = NULL, *tls;
    struct bk_opts *server = NULL;
    int ret;

    *cfg = (struct bk_nbd_config){ 0 };
    if (filename != NULL) {
        ret = parse_filename(filename, opts, cause);
        if (ret < 0)
            return ret;
    }
    host = bk_opts_take(opts, "host");
    port = bk_opts_take(opts, "port");
    path = bk_opts_take(opts, "path");
    cfg->export = bk_opts_take(opts, "export");
    ret = bk_opts_take_number(opts, "reconnect-delay", &cfg->reconnect_delay, cause);
    if (ret == 0)
        ret = bk_opts_take_number(opts, "open-timeout", &cfg->open_timeout, cause);
    if (ret == 0)
        ret = legacy_socket_options(opts, path, host, port, cause);
    if (ret == 0) {
        server = bk_opts_extract_prefix(opts, "server");
        ret = socket_address(server, &cfg->addr, cause);
    }
    if (ret == 0 && cfg->export != NULL &&
        strlen(cfg->export) > NBD_MAX_STRING) {
        *cause = strfmt("export name too long to send to server");
        ret = -EINVAL;
    }
    tls = ret == 0 ? bk_opts_take(opts, "tls-creds") : NULL;
    if (tls != NULL) {
        /* blkmon takes no --object: no credentials can exist. */
        *cause = strfmt("No TLS credentials with id '%s'", tls);
        ret = -EINVAL;
    }
    free(tls);
    if (ret == 0 && cfg->export == NULL)
        cfg->export = strdup("");
    free(host);
    free(port);
    free(path);
    bk_opts_free(server);
    if (ret < 0)
        bk_nbd_config_clear(cfg);
    return ret;
}

void bk_nbd_config_clear(struct bk_nbd_config *cfg)
{
    nbd_addr_clear(&cfg->addr);
    free(cfg->export);
    cfg->export = NULL;
}

char *bk_nbd_config_name(const struct bk_nbd_config *cfg)
{
    bool named = cfg->export != NULL && *cfg->export != '\0';

    if (cfg->addr.is_unix)
        return named ? strfmt("nbd+unix:///%s?socket=%s", cfg->export,
                              cfg->addr.path)
                     : strfmt("nbd+unix://?socket=%s", cfg->addr.path);
    return named ? strfmt("nbd://%s:%s/%s", cfg->addr.host, cfg->addr.port,
                          cfg->export)
                 : strfmt("nbd://%s:%s", cfg->addr.host, cfg->addr.port);
}
