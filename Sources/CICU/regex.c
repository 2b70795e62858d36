// CICU: ICU's uregex with its time and stack limits, for Sieve :regex (see include/cicu.h).

#include "cicu.h"
#include <unicode/uregex.h>

int32_t cicu_regex_find(const uint16_t *pattern, int32_t patternLength, int caseInsensitive,
                        const uint16_t *text, int32_t textLength, int32_t timeLimit, int32_t stackLimit,
                        int32_t *groups, int32_t maxGroups, int32_t *groupCount, int32_t *errorOffset) {
    UErrorCode status = U_ZERO_ERROR;
    UParseError parseError;
    *errorOffset = -1;
    *groupCount = 0;
    if (timeLimit <= 0 || stackLimit <= 0 || patternLength < 0 || textLength < 0 || maxGroups < 1) return -4;
    URegularExpression *regex = uregex_open((const UChar *)pattern, patternLength,
                                            caseInsensitive ? UREGEX_CASE_INSENSITIVE : 0, &parseError, &status);
    if (U_FAILURE(status)) {
        if (regex != NULL) uregex_close(regex);
        *errorOffset = parseError.offset;
        return -1;
    }
    uregex_setTimeLimit(regex, timeLimit, &status);
    uregex_setStackLimit(regex, stackLimit, &status);
    uregex_setText(regex, (const UChar *)text, textLength, &status);
    if (U_FAILURE(status)) {
        uregex_close(regex);
        return -4;
    }
    UBool found = uregex_find(regex, 0, &status);
    int32_t result;
    if (status == U_REGEX_TIME_OUT) {
        result = -2;
    } else if (status == U_REGEX_STACK_OVERFLOW) {
        result = -3;
    } else if (U_FAILURE(status)) {
        result = -4;
    } else if (!found) {
        result = 0;
    } else {
        int32_t count = uregex_groupCount(regex, &status);
        *groupCount = count;
        for (int32_t group = 0; group < maxGroups; group++) {
            int32_t start = -1, end = -1;
            if (group <= count) {
                start = uregex_start(regex, group, &status);
                end = uregex_end(regex, group, &status);
            }
            groups[2 * group] = start;
            groups[2 * group + 1] = end;
        }
        result = U_FAILURE(status) ? -4 : 1;
    }
    uregex_close(regex);
    return result;
}
