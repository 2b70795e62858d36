// RNP 0.16 (Debian librnp-dev), Thunderbird's OpenPGP engine, for OpenPGP certificates,
// signature verification, signing and encryption (docs/openpgp.md). Only Sources/OpenPGP may use this module.
// RNP's result codes are an anonymous C enum; the constants below give Swift the few it
// compares against with rnp_result_t's own type.
#include <rnp/rnp.h>
#include <rnp/rnp_err.h>

static const rnp_result_t crnp_success = RNP_SUCCESS;
static const rnp_result_t crnp_signature_invalid = RNP_ERROR_SIGNATURE_INVALID;
static const rnp_result_t crnp_signature_expired = RNP_ERROR_SIGNATURE_EXPIRED;
static const rnp_result_t crnp_key_not_found = RNP_ERROR_KEY_NOT_FOUND;
static const rnp_result_t crnp_no_signatures = RNP_ERROR_NO_SIGNATURES_FOUND;
static const rnp_result_t crnp_signature_unknown = RNP_ERROR_SIGNATURE_UNKNOWN;
static const uint32_t crnp_load_public = RNP_LOAD_SAVE_PUBLIC_KEYS;
static const uint32_t crnp_export_public_with_subkeys = RNP_KEY_EXPORT_PUBLIC | RNP_KEY_EXPORT_SUBKEYS;
static const uint32_t crnp_load_public_and_secret = RNP_LOAD_SAVE_PUBLIC_KEYS | RNP_LOAD_SAVE_SECRET_KEYS;
static const uint32_t crnp_export_secret_with_subkeys = RNP_KEY_EXPORT_SECRET | RNP_KEY_EXPORT_SUBKEYS;
static const rnp_result_t crnp_bad_password = RNP_ERROR_BAD_PASSWORD;
