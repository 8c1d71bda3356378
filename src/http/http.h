/*
 * The service: `reel serve`, a JSON REST API and the dashboard over the
 * same store the CLI and the workers use (libmicrohttpd, one thread per
 * connection; server-sent event streams block in their own thread).
 *
 * API (all under /api, documented in OpenAPI 3.1 at /openapi.json):
 *   GET  /api/health                       no key needed
 *   GET  /api/jobs[?status=S&limit=N]      the caller's jobs (admin: all)
 *   POST /api/jobs                         JSON {brief, title?, assets:[{path|url,
 *                                          label?, type?}], max_attempts?, priority?}
 *                                          or multipart/form-data (brief, title, files)
 *   GET  /api/jobs/{id}                    job + latest score
 *   POST /api/jobs/{id}/cancel | /retry
 *   GET  /api/jobs/{id}/assets | /plans | /plans/{v} | /trace | /renders | /report
 *   POST /api/jobs/{id}/plans              a revised plan (validated: 422 + errors)
 *   GET  /api/jobs/{id}/renders/{rid}/file HTTP Range (206, 416)
 *   GET  /api/jobs/{id}/events             text/event-stream (Last-Event-ID)
 *   GET  /api/assets/{id}/contact-sheet | /thumbnails/{n}
 *   GET  /, /static/...                    the dashboard (embedded files)
 *
 * Access: "Authorization: Bearer KEY", a "reel_key" cookie, or ?key=KEY
 * (for EventSource). No/bad key: 401. Another user's job: 404. Per-key
 * token bucket: 429 with Retry-After.
 *
 * Errors: every error body is {"error": {"code": "...", "message": "...",
 * "path": "..."}} (422 for invalid plans adds "issues").
 *
 * Ownership: const char * parameters are borrowed; http_server_stop frees
 * the server.
 */
#ifndef REEL_HTTP_HTTP_H
#define REEL_HTTP_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/json.h"

struct store;

struct http_opts {
    const char *listen;       /* "ADDR:PORT"; NULL: 127.0.0.1:8080; port 0: any free */
    const char *database_url; /* NULL: $REEL_DATABASE_URL / default */
    const char *data_dir;     /* NULL: config default; uploads go to <data_dir>/media/uploads */
    const char *asset_roots;  /* ':'-separated dirs path references must be under;
                                 NULL: $REEL_ASSET_ROOTS (unset: no path references) */
    int allow_private_urls;   /* 1: http(s) assets may be on loopback/private networks
                                 (default $REEL_HTTP_ALLOW_PRIVATE_URLS == "1") */
    uint64_t max_upload;      /* bytes per request; 0: $REEL_HTTP_MAX_UPLOAD or 2 GiB */
    double rate;              /* requests per second per key; 0: $REEL_HTTP_RATE or 50 */
    double burst;             /* bucket size; 0: $REEL_HTTP_BURST or 2 * rate */
    int db_conns;             /* store connections at most; 0: $REEL_HTTP_DB_CONNS or 16 */
};

struct http_server;

/* Start listening (threads run in the background). REEL_ESYS when the
 * address cannot be bound, REEL_EDB when the store cannot be opened. */
enum reel_code http_server_start(const struct http_opts *o, struct http_server **out,
                                 struct reel_err *err);
/* The port actually bound. */
int http_server_port(const struct http_server *s);
/* Stop: closes event streams and connections, frees everything. NULL ok. */
void http_server_stop(struct http_server *s);

/* ---- API keys (table api_keys; the key is shown once, stored as
 * sha256(salt || key)) ---- */

#define HTTP_KEY_LEN 64 /* buffer size for a key ("reel_" + 12 + "_" + 32 hex + NUL) */

struct http_principal {
    char key_id[37];
    char user_id[37];
    int admin;
};

enum reel_code http_key_create(struct store *st, const char *user_id, int admin,
                               char key_out[HTTP_KEY_LEN], char id_out[37], struct reel_err *err);
/* REEL_EAUTH when the key is unknown, malformed or revoked. */
enum reel_code http_key_check(struct store *st, const char *key, struct http_principal *out,
                              struct reel_err *err);
/* REEL_ENOTFOUND when no such key. */
enum reel_code http_key_revoke(struct store *st, const char *key_id, struct reel_err *err);
/* [{id, user_id, admin, created_at, revoked}] (owned). */
enum reel_code http_key_list(struct store *st, json_t **out, struct reel_err *err);

/* ---- pieces exposed for the unit tests ---- */

/* Parse a Range header against a size: 0 ok (*start..*end inclusive),
 * -1 unsatisfiable (416), 1 ignore the header (serve the whole file). */
int http_range_parse(const char *hdr, uint64_t size, uint64_t *start, uint64_t *end);
/* Is this IPv4/IPv6 address (struct sockaddr *) public (not loopback,
 * private, link-local, multicast, unspecified, CGNAT, ULA, mapped private)? */
int http_addr_public(const void *sockaddr);

#endif
