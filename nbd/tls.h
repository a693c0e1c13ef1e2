/*
 * tls.h — TLS for NBD connections (GnuTLS), for server and client.
 *
 * *Credentials* come from a directory laid out as qemu's tls-creds
 * objects and nbdkit expect:
 *   keys.psk        PSK: lines "username:hexkey" (qemu tls-creds-psk,
 *                   nbdkit --tls-psk, psktool's format)
 *   ca-cert.pem     X.509 (qemu tls-creds-x509): the CA,
 *   server-cert.pem   the server's certificate and
 *   server-key.pem    key (client-cert.pem / client-key.pem for a client),
 *   ca-crl.pem      optional revocation list.
 * A directory may hold both kinds; a client then offers whichever it has.
 *
 * A *session* runs over a non-blocking socket.  Every call may answer
 * -EAGAIN: nbd_tls_wants() then says whether to wait for readability or
 * writability before calling again.  A send that answered -EAGAIN must be
 * repeated with the same bytes (GnuTLS's rule).
 */
#ifndef BLKMON_NBD_TLS_H
#define BLKMON_NBD_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* --tls, as nbdkit has it: off, on (offered), require. */
enum nbd_tls_mode { NBD_TLS_OFF, NBD_TLS_ON, NBD_TLS_REQUIRE };
/* 0, or -EINVAL for an unknown word. */
int nbd_tls_mode_parse(const char *text, enum nbd_tls_mode *mode);

struct nbd_tls_creds;
struct nbd_tls;

/* Load dir for a server (or a client).  0, or -errno with *cause. */
int nbd_tls_creds_load(const char *dir, bool server,
                       struct nbd_tls_creds **out, char **cause);
void nbd_tls_creds_free(struct nbd_tls_creds *creds);
const char *nbd_tls_creds_dir(const struct nbd_tls_creds *creds);

/* A session on fd (not owned).  For a client, psk_user names the key
 * (NULL: the file's first).  0, or -errno with *cause. */
int nbd_tls_new(struct nbd_tls_creds *creds, int fd, bool server,
                const char *psk_user, struct nbd_tls **out, char **cause);
void nbd_tls_free(struct nbd_tls *t);
/* 0 when done; -EAGAIN; or -EPROTO with *cause (freed by the caller). */
int nbd_tls_handshake(struct nbd_tls *t, char **cause);
/* BK_FD_READ or BK_FD_WRITE: what the last -EAGAIN waits for. */
unsigned nbd_tls_wants(const struct nbd_tls *t);
/* Bytes received (0 at the peer's end), -EAGAIN, or -EIO. */
ssize_t nbd_tls_recv(struct nbd_tls *t, void *buf, size_t len);
/* Bytes sent (> 0), -EAGAIN, or -EIO. */
ssize_t nbd_tls_send(struct nbd_tls *t, const void *buf, size_t len);
/* Decrypted bytes buffered inside that no poll would announce. */
bool nbd_tls_pending(const struct nbd_tls *t);
/* Send close_notify, best effort, without waiting. */
void nbd_tls_bye(struct nbd_tls *t);
/* The PSK identity the peer used, or NULL. */
const char *nbd_tls_psk_user(const struct nbd_tls *t);

#endif
