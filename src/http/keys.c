/*
 * API keys: "reel_<12 hex prefix>_<32 hex secret>". The row holds the
 * prefix (for lookup), a random salt and sha256(salt || key); the key itself
 * is never stored. Uses the store's private query helper (store/internal.h)
 * since the table is the service's own (migration 3).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "store/internal.h"
#include "core/banned.h"

static void key_hash(const char *salt, const char *key, char out[65])
{
    struct buf b = BUF_INIT;
    buf_adds(&b, salt);
    buf_adds(&b, key);
    sha256_hex(b.buf, b.len, out);
    buf_release(&b);
}

enum reel_code http_key_create(struct store *st, const char *user_id, int admin,
                               char key_out[HTTP_KEY_LEN], char id_out[37], struct reel_err *err)
{
    if (!user_id || !store_uuid_valid(user_id))
        return reel_fail(err, REEL_EINVAL, "--user", "the user id must be a UUID");
    char prefix[25], secret[33], salt[33], hash[65], id[37];
    random_hex(prefix, 6);
    random_hex(secret, 16);
    random_hex(salt, 16);
    uuid_v4(id);
    snprintf(key_out, HTTP_KEY_LEN, "reel_%s_%s", prefix, secret);
    key_hash(salt, key_out, hash);
    char user[37];
    snprintf(user, sizeof(user), "%s", user_id);
    for (char *p = user; *p; p++)
        if (*p >= 'A' && *p <= 'F')
            *p = (char)(*p - 'A' + 'a');
    const char *params[] = {id, prefix, user, salt, hash, admin ? "1" : "0"};
    enum reel_code rc = sql_q(st,
                              "INSERT INTO api_keys (id, prefix, user_id, salt, hash, admin) "
                              "VALUES ($1, $2, $3, $4, $5, CAST($6 AS integer))",
                              params, 6, NULL, err);
    if (rc)
        return rc;
    if (id_out)
        memcpy(id_out, id, 37);
    return REEL_OK;
}

enum reel_code http_key_check(struct store *st, const char *key, struct http_principal *out,
                              struct reel_err *err)
{
    /* reel_ + 12 hex + _ + 32 hex */
    if (!key || strlen(key) != 50 || strncmp(key, "reel_", 5) || key[17] != '_')
        return reel_fail(err, REEL_EAUTH, NULL, "invalid API key");
    for (int i = 5; i < 50; i++)
        if (i != 17 && !strchr("0123456789abcdef", key[i]))
            return reel_fail(err, REEL_EAUTH, NULL, "invalid API key");
    char prefix[13];
    memcpy(prefix, key + 5, 12);
    prefix[12] = 0;
    const char *params[] = {prefix};
    struct store_rows rows = {0};
    enum reel_code rc = sql_q(st,
                              "SELECT id, user_id, salt, hash, admin FROM api_keys "
                              "WHERE prefix = $1 AND revoked_at IS NULL",
                              params, 1, &rows, err);
    if (rc)
        return rc;
    if (rows.nrows != 1) {
        store_rows_release(&rows);
        return reel_fail(err, REEL_EAUTH, NULL, "invalid API key");
    }
    char hash[65];
    key_hash(rows_get(&rows, 0, 2), key, hash);
    const char *want = rows_get(&rows, 0, 3);
    unsigned diff = strlen(want) != 64;
    for (int i = 0; i < 64 && !diff; i++)
        diff |= (unsigned)(hash[i] ^ want[i]);
    /* constant time over the digest: the loop above exits only on length */
    if (diff) {
        store_rows_release(&rows);
        return reel_fail(err, REEL_EAUTH, NULL, "invalid API key");
    }
    cell_copy(out->key_id, sizeof(out->key_id), rows_get(&rows, 0, 0));
    cell_copy(out->user_id, sizeof(out->user_id), rows_get(&rows, 0, 1));
    out->admin = cell_int(rows_get(&rows, 0, 4), 0) != 0;
    store_rows_release(&rows);
    return REEL_OK;
}

enum reel_code http_key_revoke(struct store *st, const char *key_id, struct reel_err *err)
{
    if (!key_id || !store_uuid_valid(key_id))
        return reel_fail(err, REEL_EINVAL, key_id, "a key id is a UUID");
    const char *params[] = {key_id};
    struct store_rows rows = {0};
    enum reel_code rc = sql_q(st,
                              "UPDATE api_keys SET revoked_at = {now} WHERE id = $1 "
                              "AND revoked_at IS NULL RETURNING id",
                              params, 1, &rows, err);
    if (rc)
        return rc;
    size_t n = rows.nrows;
    store_rows_release(&rows);
    if (!n)
        return reel_fail(err, REEL_ENOTFOUND, key_id, "no such active API key");
    return REEL_OK;
}

enum reel_code http_key_list(struct store *st, json_t **out, struct reel_err *err)
{
    struct store_rows rows = {0};
    enum reel_code rc = sql_q(st,
                              "SELECT id, user_id, admin, {ms:created_at}, "
                              "CASE WHEN revoked_at IS NULL THEN 0 ELSE 1 END, prefix "
                              "FROM api_keys ORDER BY created_at, id",
                              NULL, 0, &rows, err);
    if (rc)
        return rc;
    json_t *a = json_array();
    for (size_t i = 0; i < rows.nrows; i++) {
        char t[32];
        store_time_iso(cell_i64(rows_get(&rows, i, 3), 0), t);
        json_array_append_new(
            a, json_pack("{s:s, s:s, s:b, s:s, s:b, s:s}", "id", rows_get(&rows, i, 0), "user_id",
                         rows_get(&rows, i, 1), "admin", cell_int(rows_get(&rows, i, 2), 0),
                         "created_at", t, "revoked", cell_int(rows_get(&rows, i, 4), 0), "prefix",
                         rows_get(&rows, i, 5)));
    }
    store_rows_release(&rows);
    *out = a;
    return REEL_OK;
}
