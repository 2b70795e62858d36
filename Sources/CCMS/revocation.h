// Revocation of S/MIME certificates (docs/smime.md "Revocation"): where to ask (RFC 5280
// §4.2.2.1 authorityInfoAccess id-ad-ocsp, §4.2.1.13 cRLDistributionPoints), an OCSP request
// (RFC 6960 §4.1), and the checks of what comes back: an OCSP response (§3.2, §4.2) or a CRL
// (RFC 5280 §5, §6.3). The bytes that come back are untrusted; every object is freed here.
#include <time.h>
#include <openssl/ocsp.h>

#define CCMS_REV_GOOD 0
#define CCMS_REV_REVOKED 1
#define CCMS_REV_UNKNOWN 2
#define CCMS_REV_MALFORMED (-1)
#define CCMS_REV_NOT_SUCCESSFUL (-2)
#define CCMS_REV_BAD_SIGNATURE (-3)
#define CCMS_REV_NO_STATUS (-4)
#define CCMS_REV_STALE (-5)
#define CCMS_REV_NOT_YET_VALID (-6)
#define CCMS_REV_NONCE (-7)
#define CCMS_REV_WRONG_ISSUER (-8)
#define CCMS_REV_UNSUPPORTED (-9)

/// Copies `length` bytes of `text` as a C string into `buffer` when it fits and has no NUL.
static inline int ccms_copy_text(const unsigned char *text, int length, char *buffer, int capacity) {
    if (text == NULL || length < 0 || length >= capacity || memchr(text, 0, (size_t)length) != NULL) return -1;
    memcpy(buffer, text, (size_t)length);
    buffer[length] = 0;
    return length;
}

/// The i-th OCSP responder URI of the certificate (RFC 5280 §4.2.2.1), or -1.
static inline int ccms_ocsp_url(X509 *cert, int index, char *buffer, int capacity) {
    STACK_OF(OPENSSL_STRING) *urls = X509_get1_ocsp(cert);
    if (urls == NULL) return -1;
    int result = -1;
    if (index < sk_OPENSSL_STRING_num(urls)) {
        const char *url = sk_OPENSSL_STRING_value(urls, index);
        result = ccms_copy_text((const unsigned char *)url, (int)strlen(url), buffer, capacity);
    }
    X509_email_free(urls);
    return result;
}

/// The i-th URI of the certificate's CRL distribution points (RFC 5280 §4.2.1.13): full names
/// only, and only points without reasons or cRLIssuer (partitioned and indirect CRLs are not
/// used); -1 when there is no i-th one.
static inline int ccms_crl_url(X509 *cert, int index, char *buffer, int capacity) {
    STACK_OF(DIST_POINT) *points = X509_get_ext_d2i(cert, NID_crl_distribution_points, NULL, NULL);
    if (points == NULL) { ERR_clear_error(); return -1; }
    int seen = 0, result = -1;
    for (int i = 0; i < sk_DIST_POINT_num(points) && result < 0; i++) {
        DIST_POINT *point = sk_DIST_POINT_value(points, i);
        if (point->distpoint == NULL || point->distpoint->type != 0 || point->reasons != NULL || point->CRLissuer != NULL) continue;
        GENERAL_NAMES *names = point->distpoint->name.fullname;
        for (int j = 0; j < sk_GENERAL_NAME_num(names); j++) {
            int type = 0;
            ASN1_STRING *uri = GENERAL_NAME_get0_value(sk_GENERAL_NAME_value(names, j), &type);
            if (type != GEN_URI || uri == NULL) continue;
            if (seen++ == index) {
                result = ccms_copy_text(ASN1_STRING_get0_data(uri), ASN1_STRING_length(uri), buffer, capacity);
                if (result < 0) result = -2;
                break;
            }
        }
    }
    sk_DIST_POINT_pop_free(points, DIST_POINT_free);
    return result < 0 ? -1 : result;
}

/// The chain CMS_verify accepted, rebuilt: the first signer's certificate first, the trust
/// anchor last (X509_free each via ccms_certs_free), or NULL.
static inline STACK_OF(X509) *ccms_verified_chain(CMS_ContentInfo *cms, X509_STORE *store) {
    STACK_OF(X509) *signers = CMS_get0_signers(cms);
    X509 *signer = (signers != NULL && sk_X509_num(signers) > 0) ? sk_X509_value(signers, 0) : NULL;
    STACK_OF(X509) *untrusted = CMS_get1_certs(cms), *chain = NULL;
    X509_STORE_CTX *context = X509_STORE_CTX_new();
    if (signer != NULL && context != NULL && X509_STORE_CTX_init(context, store, signer, untrusted) == 1) {
        X509_STORE_CTX_set_default(context, "smime_sign");
        if (X509_verify_cert(context) == 1) chain = X509_STORE_CTX_get1_chain(context);
    }
    X509_STORE_CTX_free(context);
    sk_X509_free(signers);
    if (untrusted != NULL) sk_X509_pop_free(untrusted, X509_free);
    ERR_clear_error();
    return chain;
}

/// A DER OCSPRequest (RFC 6960 §4.1.1) for `cert`, with a SHA-1 CertID (what RFC 5019 §2.1.1
/// responders must accept) and a nonce (§4.4.1); its length, the bytes in *out (OPENSSL_free).
static inline int ccms_ocsp_request(X509 *cert, X509 *issuer, unsigned char **out) {
    OCSP_REQUEST *request = OCSP_REQUEST_new();
    OCSP_CERTID *id = OCSP_cert_to_id(EVP_sha1(), cert, issuer);
    int length = -1;
    if (request != NULL && id != NULL && OCSP_request_add0_id(request, id) != NULL) {
        id = NULL;
        if (OCSP_request_add1_nonce(request, NULL, -1) == 1) length = i2d_OCSP_REQUEST(request, out);
    }
    OCSP_CERTID_free(id);
    OCSP_REQUEST_free(request);
    ERR_clear_error();
    return length;
}

/// Seconds from now until `time` (negative when past); 0 when unreadable.
static inline long ccms_seconds_until(const ASN1_TIME *time) {
    int days = 0, seconds = 0;
    if (time == NULL || ASN1_TIME_diff(&days, &seconds, NULL, time) != 1) return 0;
    return (long)days * 86400 + seconds;
}

/// The status of `cert` in an OCSPResponse (RFC 6960 §4.2): successful, the nonce of `request`
/// echoed or absent, signed by the issuer or a responder it delegated to (§4.2.2.2, checked
/// by OCSP_basic_verify, the responder's chain to `store` with `untrusted` as candidates),
/// a SingleResponse for the CertID, thisUpdate/nextUpdate around now within `leeway` seconds
/// (§4.2.2.1). CCMS_REV_GOOD/REVOKED/UNKNOWN or a negative CCMS_REV_ code; *reason is the
/// CRLReason (-1 when none), *valid_for the seconds until nextUpdate (0 when absent).
static inline int ccms_ocsp_status(const unsigned char *response_der, long response_length,
                                   const unsigned char *request_der, long request_length,
                                   X509 *cert, X509 *issuer, STACK_OF(X509) *untrusted, X509_STORE *store,
                                   long leeway, int *reason, long *valid_for) {
    *reason = -1; *valid_for = 0;
    const unsigned char *cursor = response_der;
    OCSP_RESPONSE *response = d2i_OCSP_RESPONSE(NULL, &cursor, response_length);
    if (response == NULL) { ERR_clear_error(); return CCMS_REV_MALFORMED; }
    int result = CCMS_REV_MALFORMED;
    OCSP_BASICRESP *basic = NULL;
    OCSP_REQUEST *request = NULL;
    OCSP_CERTID *id = NULL;
    if (OCSP_response_status(response) != OCSP_RESPONSE_STATUS_SUCCESSFUL) { result = CCMS_REV_NOT_SUCCESSFUL; goto done; }
    if ((basic = OCSP_response_get1_basic(response)) == NULL) goto done;
    cursor = request_der;
    request = d2i_OCSP_REQUEST(NULL, &cursor, request_length);
    // 1: both carry the same nonce; 2: neither; -1: only the request (RFC 5019 §2.2.1 lets
    // pre-producing responders leave it out); 0: different nonces, 3: only the response.
    int nonce = request == NULL ? 0 : OCSP_check_nonce(request, basic);
    if (nonce == 0 || nonce == 3) { result = CCMS_REV_NONCE; goto done; }
    if (OCSP_basic_verify(basic, untrusted, store, 0) <= 0) { result = CCMS_REV_BAD_SIGNATURE; goto done; }
    int status = -1;
    ASN1_GENERALIZEDTIME *revoked_at = NULL, *this_update = NULL, *next_update = NULL;
    if ((id = OCSP_cert_to_id(EVP_sha1(), cert, issuer)) == NULL
        || OCSP_resp_find_status(basic, id, &status, reason, &revoked_at, &this_update, &next_update) != 1) {
        result = CCMS_REV_NO_STATUS; goto done;
    }
    if (OCSP_check_validity(this_update, next_update, leeway, -1) != 1) {
        result = ccms_seconds_until(this_update) > leeway ? CCMS_REV_NOT_YET_VALID : CCMS_REV_STALE; goto done;
    }
    if (next_update != NULL) *valid_for = ccms_seconds_until(next_update);
    result = status == V_OCSP_CERTSTATUS_GOOD ? CCMS_REV_GOOD : status == V_OCSP_CERTSTATUS_REVOKED ? CCMS_REV_REVOKED : CCMS_REV_UNKNOWN;
done:
    OCSP_CERTID_free(id);
    OCSP_REQUEST_free(request);
    OCSP_BASICRESP_free(basic);
    OCSP_RESPONSE_free(response);
    ERR_clear_error();
    return result;
}

/// The status of `cert` in a DER CRL (RFC 5280 §6.3.3): issued under `issuer`'s name (§5.1.2.3)
/// and signed by its key, no critical extension (issuingDistributionPoint and deltaCRLIndicator
/// make partitioned and delta CRLs, which are not used, §5.2), thisUpdate not after now + leeway,
/// nextUpdate present (§5.1.2.5) and not before now - leeway; revoked when it lists the serial.
static inline int ccms_crl_status(const unsigned char *der, long length, X509 *cert, X509 *issuer,
                                  long leeway, int *reason, long *valid_for) {
    *reason = -1; *valid_for = 0;
    const unsigned char *cursor = der;
    X509_CRL *crl = d2i_X509_CRL(NULL, &cursor, length);
    if (crl == NULL) { ERR_clear_error(); return CCMS_REV_MALFORMED; }
    int result = CCMS_REV_GOOD;
    EVP_PKEY *key = X509_get0_pubkey(issuer);
    const ASN1_TIME *this_update = X509_CRL_get0_lastUpdate(crl), *next_update = X509_CRL_get0_nextUpdate(crl);
    X509_REVOKED *entry = NULL;
    time_t now = time(NULL), early = now + leeway, late = now - leeway;
    if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(issuer)) != 0
        || X509_NAME_cmp(X509_get_issuer_name(cert), X509_get_subject_name(issuer)) != 0) { result = CCMS_REV_WRONG_ISSUER; goto done; }
    if (key == NULL || X509_CRL_verify(crl, key) != 1) { result = CCMS_REV_BAD_SIGNATURE; goto done; }
    for (int i = 0; i < X509_CRL_get_ext_count(crl); i++) {
        if (X509_EXTENSION_get_critical(X509_CRL_get_ext(crl, i))) { result = CCMS_REV_UNSUPPORTED; goto done; }
    }
    if (this_update == NULL || X509_cmp_time(this_update, &early) > 0) { result = CCMS_REV_NOT_YET_VALID; goto done; }
    if (next_update == NULL) { result = CCMS_REV_UNSUPPORTED; goto done; }
    if (X509_cmp_time(next_update, &late) < 0) { result = CCMS_REV_STALE; goto done; }
    *valid_for = ccms_seconds_until(next_update);
    if (X509_CRL_get0_by_cert(crl, &entry, cert) == 1 && entry != NULL) {
        result = CCMS_REV_REVOKED;
        ASN1_ENUMERATED *code = X509_REVOKED_get_ext_d2i(entry, NID_crl_reason, NULL, NULL);
        if (code != NULL) { *reason = (int)ASN1_ENUMERATED_get(code); ASN1_ENUMERATED_free(code); }
    }
done:
    X509_CRL_free(crl);
    ERR_clear_error();
    return result;
}
