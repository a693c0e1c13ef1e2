/*
 * tls.c — GnuTLS sessions over non-blocking sockets (see tls.h).
 *
 * The server's PSK file is handed to GnuTLS, which reads the same
 * "username:hexkey" lines qemu and nbdkit read; the PSK cipher suites are
 * added to GnuTLS's NORMAL priorities as nbdkit adds them.  Peers'
 * certificates are not required (nbdkit's default): X.509 here gives
 * encryption and the server's identity.
 */
#include <errno.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/backend.h"
#include "nbd/tls.h"
#include "util/strfmt.h"

#define TLS_PRIORITY_X509 "NORMAL"
#define TLS_PRIORITY_PSK  "NORMAL:+ECDHE-PSK:+DHE-PSK:+PSK"

struct nbd_tls_creds {
    char *dir;
    bool server;
    gnutls_certificate_credentials_t x509;      /* NULL: none */
    gnutls_psk_server_credentials_t psk_server; /* NULL: none */
    char *psk_file;                             /* client: read per session */
};

struct nbd_tls {
    gnutls_session_t session;
    gnutls_psk_client_credentials_t psk_client;
};

int nbd_tls_mode_parse(const char *text, enum nbd_tls_mode *mode)
{
    static const struct { const char *word; enum nbd_tls_mode mode; } w[] = {
        { "off", NBD_TLS_OFF }, { "no", NBD_TLS_OFF },
        { "on", NBD_TLS_ON }, { "yes", NBD_TLS_ON },
        { "require", NBD_TLS_REQUIRE }, { "required", NBD_TLS_REQUIRE },
        { "force", NBD_TLS_REQUIRE },
    };

    for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
        if (strcmp(text, w[i].word) == 0) {
            *mode = w[i].mode;
            return 0;
        }
    }
    return -EINVAL;
}

static char *tls_path(const char *dir, const char *name)
{
    return strfmt("%s/%s", dir, name);
}

static bool tls_exists(const char *dir, const char *name)
{
    char *p = tls_path(dir, name);
    bool ok = p != NULL && access(p, R_OK) == 0;

    free(p);
    return ok;
}

static int tls_load_x509(struct nbd_tls_creds *c, char **cause)
{
    const char *cert = c->server ? "server-cert.pem" : "client-cert.pem";
    const char *key = c->server ? "server-key.pem" : "client-key.pem";
    char *ca = tls_path(c->dir, "ca-cert.pem");
    char *crl = tls_path(c->dir, "ca-crl.pem");
    char *cp = tls_path(c->dir, cert), *kp = tls_path(c->dir, key);
    int ret = -EINVAL, gr;

    if (gnutls_certificate_allocate_credentials(&c->x509) < 0) {
        c->x509 = NULL;
        *cause = strfmt("Cannot allocate credentials");
        goto out;
    }
    gr = gnutls_certificate_set_x509_trust_file(c->x509, ca,
                                                GNUTLS_X509_FMT_PEM);
    if (gr < 0) {
        *cause = strfmt("Cannot load CA certificate '%s': %s", ca,
                        gnutls_strerror(gr));
        goto out;
    }
    if (access(crl, R_OK) == 0 &&
        (gr = gnutls_certificate_set_x509_crl_file(c->x509, crl,
                                                   GNUTLS_X509_FMT_PEM)) < 0) {
        *cause = strfmt("Cannot load CRL '%s': %s", crl, gnutls_strerror(gr));
        goto out;
    }
    if (c->server || access(cp, R_OK) == 0) {
        gr = gnutls_certificate_set_x509_key_file(c->x509, cp, kp,
                                                  GNUTLS_X509_FMT_PEM);
        if (gr < 0) {
            *cause = strfmt("Cannot load certificate '%s' & key '%s': %s",
                            cp, kp, gnutls_strerror(gr));
            goto out;
        }
    }
    if (c->server)
        gnutls_certificate_set_known_dh_params(c->x509,
                                               GNUTLS_SEC_PARAM_MEDIUM);
    ret = 0;
out:
    free(ca);
    free(crl);
    free(cp);
    free(kp);
    return ret;
}

int nbd_tls_creds_load(const char *dir, bool server,
                       struct nbd_tls_creds **out, char **cause)
{
    struct nbd_tls_creds *c = calloc(1, sizeof(*c));
    bool psk = tls_exists(dir, "keys.psk");
    bool x509 = tls_exists(dir, "ca-cert.pem");
    int ret = 0;

    if (c == NULL)
        return -ENOMEM;
    c->dir = strdup(dir);
    c->server = server;
    if (!psk && !x509) {
        *cause = strfmt("TLS credentials directory '%s' holds neither "
                        "keys.psk nor ca-cert.pem", dir);
        nbd_tls_creds_free(c);
        return -ENOENT;
    }
    if (psk) {
        c->psk_file = tls_path(dir, "keys.psk");
        if (server) {
            int gr;

            if (gnutls_psk_allocate_server_credentials(&c->psk_server) < 0) {
                c->psk_server = NULL;
                ret = -ENOMEM;
            } else if ((gr = gnutls_psk_set_server_credentials_file(
                            c->psk_server, c->psk_file)) < 0) {
                *cause = strfmt("Cannot load PSK file '%s': %s", c->psk_file,
                                gnutls_strerror(gr));
                ret = -EINVAL;
            } else {
                gnutls_psk_set_server_known_dh_params(c->psk_server,
                                                      GNUTLS_SEC_PARAM_MEDIUM);
            }
        }
    }
    if (ret == 0 && x509)
        ret = tls_load_x509(c, cause);
    if (ret < 0) {
        nbd_tls_creds_free(c);
        return ret;
    }
    *out = c;
    return 0;
}

void nbd_tls_creds_free(struct nbd_tls_creds *c)
{
    if (c == NULL)
        return;
    if (c->x509 != NULL)
        gnutls_certificate_free_credentials(c->x509);
    if (c->psk_server != NULL)
        gnutls_psk_free_server_credentials(c->psk_server);
    free(c->psk_file);
    free(c->dir);
    free(c);
}

const char *nbd_tls_creds_dir(const struct nbd_tls_creds *c)
{
    return c->dir;
}

/* The client's key: the line of psk_user, or the first line. */
static int tls_client_psk(struct nbd_tls *t, const char *file,
                          const char *psk_user, char **cause)
{
    FILE *f = fopen(file, "r");
    char line[1024];
    int ret = -ENOENT;

    if (f == NULL) {
        *cause = strfmt("Cannot read PSK file '%s': %s", file,
                        strerror(errno));
        return -errno;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        char *colon = strchr(line, ':');
        gnutls_datum_t key;

        line[strcspn(line, "\r\n")] = '\0';
        if (colon == NULL)
            continue;
        *colon = '\0';
        if (psk_user != NULL && strcmp(line, psk_user) != 0)
            continue;
        key = (gnutls_datum_t){ (unsigned char *)colon + 1,
                                (unsigned)strlen(colon + 1) };
        if (gnutls_psk_allocate_client_credentials(&t->psk_client) < 0 ||
            gnutls_psk_set_client_credentials(t->psk_client, line, &key,
                                              GNUTLS_PSK_KEY_HEX) < 0) {
            *cause = strfmt("Bad PSK line for '%s' in '%s'", line, file);
            ret = -EINVAL;
        } else {
            ret = 0;
        }
        break;
    }
    fclose(f);
    if (ret == -ENOENT)
        *cause = strfmt("No key for '%s' in '%s'",
                        psk_user ? psk_user : "any user", file);
    return ret;
}

int nbd_tls_new(struct nbd_tls_creds *creds, int fd, bool server,
                const char *psk_user, struct nbd_tls **out, char **cause)
{
    struct nbd_tls *t = calloc(1, sizeof(*t));
    bool psk = server ? creds->psk_server != NULL : creds->psk_file != NULL;
    int gr;

    if (t == NULL)
        return -ENOMEM;
    gr = gnutls_init(&t->session, (server ? GNUTLS_SERVER : GNUTLS_CLIENT) |
                                      GNUTLS_NONBLOCK);
    if (gr < 0) {
        *cause = strfmt("Cannot initialize TLS session: %s",
                        gnutls_strerror(gr));
        free(t);
        return -ENOMEM;
    }
    gr = gnutls_priority_set_direct(t->session,
                                    psk ? TLS_PRIORITY_PSK : TLS_PRIORITY_X509,
                                    NULL);
    if (gr == 0 && creds->x509 != NULL)
        gr = gnutls_credentials_set(t->session, GNUTLS_CRD_CERTIFICATE,
                                    creds->x509);
    if (gr == 0 && psk && server)
        gr = gnutls_credentials_set(t->session, GNUTLS_CRD_PSK,
                                    creds->psk_server);
    if (gr == 0 && psk && !server) {
        if (tls_client_psk(t, creds->psk_file, psk_user, cause) < 0) {
            nbd_tls_free(t);
            return -EINVAL;
        }
        gr = gnutls_credentials_set(t->session, GNUTLS_CRD_PSK,
                                    t->psk_client);
    }
    if (gr < 0) {
        *cause = strfmt("Cannot set up TLS session: %s", gnutls_strerror(gr));
        nbd_tls_free(t);
        return -EINVAL;
    }
    if (server && creds->x509 != NULL)
        gnutls_certificate_server_set_request(t->session, GNUTLS_CERT_IGNORE);
    gnutls_transport_set_int(t->session, fd);
    *out = t;
    return 0;
}

void nbd_tls_free(struct nbd_tls *t)
{
    if (t == NULL)
        return;
    gnutls_deinit(t->session);
    if (t->psk_client != NULL)
        gnutls_psk_free_client_credentials(t->psk_client);
    free(t);
}

int nbd_tls_handshake(struct nbd_tls *t, char **cause)
{
    int gr = gnutls_handshake(t->session);

    if (gr == 0)
        return 0;
    if (gr == GNUTLS_E_AGAIN || gr == GNUTLS_E_INTERRUPTED)
        return -EAGAIN;
    if (!gnutls_error_is_fatal(gr))
        return -EAGAIN;
    *cause = strfmt("TLS handshake failed: %s", gnutls_strerror(gr));
    return -EPROTO;
}

unsigned nbd_tls_wants(const struct nbd_tls *t)
{
    return gnutls_record_get_direction(t->session) ? BK_FD_WRITE
                                                    : BK_FD_READ;
}

ssize_t nbd_tls_recv(struct nbd_tls *t, void *buf, size_t len)
{
    ssize_t n = gnutls_record_recv(t->session, buf, len);

    if (n >= 0)
        return n;
    if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
        return -EAGAIN;
    /* A peer that closed without close_notify: its end all the same. */
    if (n == GNUTLS_E_PREMATURE_TERMINATION)
        return 0;
    return -EIO;
}

ssize_t nbd_tls_send(struct nbd_tls *t, const void *buf, size_t len)
{
    ssize_t n = gnutls_record_send(t->session, buf, len);

    if (n > 0)
        return n;
    if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
        return -EAGAIN;
    return -EIO;
}

bool nbd_tls_pending(const struct nbd_tls *t)
{
    return gnutls_record_check_pending(t->session) > 0;
}

void nbd_tls_bye(struct nbd_tls *t)
{
    gnutls_bye(t->session, GNUTLS_SHUT_WR);
}

const char *nbd_tls_psk_user(const struct nbd_tls *t)
{
    return gnutls_psk_server_get_username(t->session);
}
