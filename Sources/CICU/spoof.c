// CICU: wrappers over ICU's uspoof (UTS #39, libicui18n) and unorm2 (UAX #15, libicuuc) APIs.
// See include/cicu.h for the contracts.
#include "cicu.h"
#include <pthread.h>
#include <stdlib.h>
#include <unicode/uspoof.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

// One checker for the process, made once and never changed: ICU documents the check and
// skeleton functions as safe to call from several threads on one configured USpoofChecker.
static USpoofChecker *shared_checker = NULL;
static pthread_once_t shared_checker_once = PTHREAD_ONCE_INIT;

static void make_checker(void) {
    UErrorCode status = U_ZERO_ERROR;
    USpoofChecker *checker = uspoof_open(&status);
    if (U_FAILURE(status)) {
        if (checker != NULL) uspoof_close(checker);
        return;
    }
    shared_checker = checker;
}

static const USpoofChecker *checker(void) {
    pthread_once(&shared_checker_once, make_checker);
    return shared_checker;
}

int32_t cicu_spoof_skeleton(const char *utf8, int32_t length, char *out, int32_t outCapacity) {
    const USpoofChecker *spoof = checker();
    if (spoof == NULL) return -1;
    UErrorCode status = U_ZERO_ERROR;
    int32_t needed = uspoof_getSkeletonUTF8(spoof, 0, utf8, length, out, outCapacity, &status);
    if (status == U_BUFFER_OVERFLOW_ERROR || status == U_STRING_NOT_TERMINATED_WARNING) return needed;
    if (U_FAILURE(status)) return -1;
    return needed;
}

int cicu_spoof_confusable(const char *a, int32_t aLength, const char *b, int32_t bLength) {
    const USpoofChecker *spoof = checker();
    if (spoof == NULL) return -1;
    UErrorCode status = U_ZERO_ERROR;
    int32_t result = uspoof_areConfusableUTF8(spoof, a, aLength, b, bLength, &status);
    if (U_FAILURE(status)) return -1;
    return result != 0 ? 1 : 0;
}

int32_t cicu_nfkc(const char *utf8, int32_t length, char *out, int32_t outCapacity) {
    UErrorCode status = U_ZERO_ERROR;
    const UNormalizer2 *nfkc = unorm2_getNFKCInstance(&status);
    if (U_FAILURE(status) || length < 0 || length > (1 << 24)) return -1;
    // UTF-8 -> UTF-16 -> NFKC -> UTF-8; NFKC expands a code point to at most 18 (U+FDFA).
    int32_t units = 0;
    u_strFromUTF8(NULL, 0, &units, utf8, length, &status);
    if (status != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(status)) return -1;
    status = U_ZERO_ERROR;
    UChar *source = malloc(sizeof(UChar) * (size_t)(units + 1));
    UChar *normal = malloc(sizeof(UChar) * (size_t)(units * 18 + 1));
    int32_t result = -1;
    if (source != NULL && normal != NULL) {
        u_strFromUTF8(source, units + 1, NULL, utf8, length, &status);
        int32_t normalLength = U_SUCCESS(status) ? unorm2_normalize(nfkc, source, units, normal, units * 18 + 1, &status) : 0;
        if (U_SUCCESS(status)) {
            int32_t written = 0;
            u_strToUTF8(out, outCapacity, &written, normal, normalLength, &status);
            if (status == U_BUFFER_OVERFLOW_ERROR || status == U_STRING_NOT_TERMINATED_WARNING) result = written;
            else if (U_SUCCESS(status)) result = written;
        }
    }
    free(source);
    free(normal);
    return result;
}
