// CICU: wrappers over ICU's ucnv_* API. See include/cicu.h for the contracts.
#define _GNU_SOURCE 1
#include "cicu.h"
#include <string.h>
#include <unicode/ucnv.h>
#include <unicode/ucnv_err.h>
#include <unicode/ucnv_cb.h>

static UConverter *open_converter(const char *charset) {
    UErrorCode status = U_ZERO_ERROR;
    UConverter *cnv = ucnv_open(charset, &status);
    if (U_FAILURE(status)) {
        if (cnv != NULL) ucnv_close(cnv);
        return NULL;
    }
    return cnv;
}

int cicu_charset_known(const char *charset) {
    UConverter *cnv = open_converter(charset);
    if (cnv == NULL) return 0;
    ucnv_close(cnv);
    return 1;
}

int32_t cicu_canonical_name(const char *charset, char *out, int32_t outCapacity) {
    UConverter *cnv = open_converter(charset);
    if (cnv == NULL) return -1;
    UErrorCode status = U_ZERO_ERROR;
    const char *name = ucnv_getName(cnv, &status);
    int32_t result = -1;
    if (U_SUCCESS(status) && name != NULL) {
        size_t length = strlen(name);
        if ((int64_t)length + 1 <= outCapacity) {
            memcpy(out, name, length + 1);
            result = (int32_t)length;
        }
    }
    ucnv_close(cnv);
    return result;
}

// A to-Unicode callback that counts each substitution, then substitutes U+FFFD.
static void count_and_substitute(const void *context, UConverterToUnicodeArgs *args,
                                 const char *codeUnits, int32_t length,
                                 UConverterCallbackReason reason, UErrorCode *err) {
    if (reason == UCNV_ILLEGAL || reason == UCNV_UNASSIGNED || reason == UCNV_IRREGULAR) {
        int32_t *counter = (int32_t *)context;
        if (counter != NULL) (*counter)++;
        static const UChar replacement = 0xFFFD;
        *err = U_ZERO_ERROR;
        ucnv_cbToUWriteUChars(args, &replacement, 1, 0, err);
    }
}

int32_t cicu_decode(const char *charset, const uint8_t *src, int32_t srcLength,
                    uint16_t *dest, int32_t destCapacity, int32_t *substitutions) {
    UConverter *cnv = open_converter(charset);
    if (cnv == NULL) return -1;
    UErrorCode status = U_ZERO_ERROR;
    *substitutions = 0;
    ucnv_setToUCallBack(cnv, count_and_substitute, substitutions, NULL, NULL, &status);
    if (U_FAILURE(status)) { ucnv_close(cnv); return -2; }
    int32_t length = ucnv_toUChars(cnv, (UChar *)dest, destCapacity,
                                   (const char *)src, srcLength, &status);
    ucnv_close(cnv);
    if (status == U_BUFFER_OVERFLOW_ERROR || status == U_STRING_NOT_TERMINATED_WARNING) return length;
    if (U_FAILURE(status)) return -2;
    return length;
}

int32_t cicu_encode(const char *charset, const uint16_t *src, int32_t srcLength,
                    uint8_t *dest, int32_t destCapacity) {
    UConverter *cnv = open_converter(charset);
    if (cnv == NULL) return -1;
    UErrorCode status = U_ZERO_ERROR;
    ucnv_setFromUCallBack(cnv, UCNV_FROM_U_CALLBACK_STOP, NULL, NULL, NULL, &status);
    if (U_FAILURE(status)) { ucnv_close(cnv); return -2; }
    int32_t length = ucnv_fromUChars(cnv, (char *)dest, destCapacity,
                                     (const UChar *)src, srcLength, &status);
    ucnv_close(cnv);
    if (status == U_BUFFER_OVERFLOW_ERROR || status == U_STRING_NOT_TERMINATED_WARNING) return length;
    if (status == U_INVALID_CHAR_FOUND || status == U_ILLEGAL_CHAR_FOUND) return -3;
    if (U_FAILURE(status)) return -2;
    return length;
}

const uint8_t *cicu_memmem(const uint8_t *haystack, size_t haystackLength,
                           const uint8_t *needle, size_t needleLength) {
    return (const uint8_t *)memmem(haystack, haystackLength, needle, needleLength);
}
