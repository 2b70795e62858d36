// OpenSSL's CMS (libcrypto, Debian libssl-dev) for S/MIME (docs/smime.md): verification, and
// signing, encryption and decryption on submission and in `hato smime`.
// Only Sources/SMIME may use this module. The helpers below exist because Swift cannot call the
// OpenSSL stack macros (sk_X509_*) or reach into ASN1_TYPE's union; each frees what it allocates.
#include <stdio.h>
#include <string.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/// RSASSA-PSS for this signer (RFC 8551 §2.2, RFC 4056): SHA-256 for the MGF1 as well, the salt
/// as long as the digest. The signer must have been added with CMS_KEY_PARAM. 1 on success.
static inline int ccms_signer_use_pss(CMS_SignerInfo *signer) {
    EVP_PKEY_CTX *context = CMS_SignerInfo_get0_pkey_ctx(signer);
    if (context == NULL) return 0;
    if (EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_PSS_PADDING) <= 0) return 0;
    if (EVP_PKEY_CTX_set_rsa_pss_saltlen(context, RSA_PSS_SALTLEN_DIGEST) <= 0) return 0;
    return EVP_PKEY_CTX_set_rsa_mgf1_md(context, EVP_sha256()) > 0;
}

/// Whether the key is an RSA key (PSS applies to RSA keys only).
static inline int ccms_key_is_rsa(EVP_PKEY *key) { return EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA; }

/// The number of certificates the SignedData carries (0 when none or not SignedData).
static inline int ccms_certificate_count(CMS_ContentInfo *cms) {
    STACK_OF(X509) *certs = CMS_get1_certs(cms);
    if (certs == NULL) return 0;
    int count = sk_X509_num(certs);
    sk_X509_pop_free(certs, X509_free);
    return count;
}

/// The first signer's certificate after a successful CMS_verify, with a reference the caller
/// owns (X509_free), or NULL.
static inline X509 *ccms_first_signer(CMS_ContentInfo *cms) {
    STACK_OF(X509) *signers = CMS_get0_signers(cms);
    if (signers == NULL) return NULL;
    X509 *cert = sk_X509_num(signers) > 0 ? sk_X509_value(signers, 0) : NULL;
    if (cert != NULL) X509_up_ref(cert);
    sk_X509_free(signers);
    return cert;
}

/// The number of signers (SignerInfos).
static inline int ccms_signer_count(CMS_ContentInfo *cms) {
    STACK_OF(CMS_SignerInfo) *infos = CMS_get0_SignerInfos(cms);
    return infos == NULL ? 0 : sk_CMS_SignerInfo_num(infos);
}

/// The i-th e-mail address of the certificate (SAN rfc822Name, then subject emailAddress),
/// copied into `buffer` (NUL-terminated); returns its length, or -1 when there is no i-th one.
static inline int ccms_email(X509 *cert, int index, char *buffer, int capacity) {
    STACK_OF(OPENSSL_STRING) *emails = X509_get1_email(cert);
    if (emails == NULL) return -1;
    int result = -1;
    if (index < sk_OPENSSL_STRING_num(emails)) {
        const char *email = sk_OPENSSL_STRING_value(emails, index);
        int length = (int)strlen(email);
        if (length < capacity) { memcpy(buffer, email, (size_t)length + 1); result = length; }
    }
    X509_email_free(emails);
    return result;
}

/// Whether the first signer's signingTime attribute (RFC 5652 §11.3), when present, lies
/// within the certificate's validity: 1 inside or absent, 0 outside or unreadable.
static inline int ccms_signing_time_within(CMS_ContentInfo *cms, X509 *cert) {
    STACK_OF(CMS_SignerInfo) *infos = CMS_get0_SignerInfos(cms);
    if (infos == NULL || sk_CMS_SignerInfo_num(infos) == 0) return 0;
    CMS_SignerInfo *info = sk_CMS_SignerInfo_value(infos, 0);
    int index = CMS_signed_get_attr_by_NID(info, NID_pkcs9_signingTime, -1);
    if (index < 0) return 1;
    X509_ATTRIBUTE *attribute = CMS_signed_get_attr(info, index);
    ASN1_TYPE *value = attribute == NULL ? NULL : X509_ATTRIBUTE_get0_type(attribute, 0);
    if (value == NULL) return 0;
    const ASN1_TIME *time = NULL;
    if (value->type == V_ASN1_UTCTIME) time = value->value.utctime;
    else if (value->type == V_ASN1_GENERALIZEDTIME) time = value->value.generalizedtime;
    if (time == NULL) return 0;
    return ASN1_TIME_compare(time, X509_get0_notBefore(cert)) >= 0
        && ASN1_TIME_compare(time, X509_get0_notAfter(cert)) <= 0;
}

/// The certificate's serial number as upper-case hex into `buffer`; its length or -1.
static inline int ccms_serial_hex(X509 *cert, char *buffer, int capacity) {
    BIGNUM *number = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
    if (number == NULL) return -1;
    char *hex = BN_bn2hex(number);
    BN_free(number);
    if (hex == NULL) return -1;
    int length = (int)strlen(hex), result = -1;
    if (length < capacity) { memcpy(buffer, hex, (size_t)length + 1); result = length; }
    OPENSSL_free(hex);
    return result;
}

/// The issuer's distinguished name (RFC 2253 form) into `buffer`; its length or -1.
static inline int ccms_issuer(X509 *cert, char *buffer, int capacity) {
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio == NULL) return -1;
    int result = -1;
    if (X509_NAME_print_ex(bio, X509_get_issuer_name(cert), 0, XN_FLAG_RFC2253) >= 0) {
        int length = BIO_read(bio, buffer, capacity - 1);
        if (length >= 0 && BIO_pending(bio) == 0) { buffer[length] = 0; result = length; }
    }
    BIO_free(bio);
    return result;
}

/// The most telling error in the thread's queue as "reason: data" into `buffer`: the first one
/// carrying text (CMS_verify's "Verify error: ..."), else the last; the queue is left empty.
static inline void ccms_last_error(char *buffer, int capacity) {
    snprintf(buffer, (size_t)capacity, "unknown error");
    const char *data = NULL;
    int flags = 0, found = 0;
    unsigned long code;
    while ((code = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
        if (found) continue;
        const char *reason = ERR_reason_error_string(code);
        if (reason == NULL) reason = "unknown error";
        if ((flags & ERR_TXT_STRING) && data != NULL && data[0] != 0) {
            snprintf(buffer, (size_t)capacity, "%s: %s", reason, data);
            found = 1;
        } else {
            snprintf(buffer, (size_t)capacity, "%s", reason);
        }
    }
    ERR_clear_error();
}

/// A new, empty certificate list (CMS_encrypt's recipients, CMS_sign's extra certificates);
/// free it with ccms_certs_free, which frees the certificates pushed onto it too.
static inline STACK_OF(X509) *ccms_certs_new(void) { return sk_X509_new_null(); }

/// Appends `cert`, whose reference the list then owns; 1 on success, 0 (caller still owns it).
static inline int ccms_certs_push(STACK_OF(X509) *certs, X509 *cert) { return sk_X509_push(certs, cert) > 0; }

static inline void ccms_certs_free(STACK_OF(X509) *certs) { if (certs != NULL) sk_X509_pop_free(certs, X509_free); }

static inline int ccms_certs_count(STACK_OF(X509) *certs) { return certs == NULL ? 0 : sk_X509_num(certs); }

/// The i-th certificate, borrowed (the list keeps its reference).
static inline X509 *ccms_certs_get0(STACK_OF(X509) *certs, int index) { return sk_X509_value(certs, index); }
