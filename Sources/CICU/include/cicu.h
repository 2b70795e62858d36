// CICU: a thin C shim over the system ICU converter API (libicuuc).
// ICU renames its C functions per version (ucnv_open -> ucnv_open_72) with macros that Swift
// cannot see, so Swift calls these plain-named wrappers instead.
#pragma once
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Returns 1 if ICU knows a converter for `charset` (an IANA name or alias), 0 otherwise.
int cicu_charset_known(const char *charset);

/// Writes ICU's canonical converter name for `charset` into `out` (NUL-terminated).
/// Returns the name length, or -1 if the charset is unknown or `out` is too small.
int32_t cicu_canonical_name(const char *charset, char *out, int32_t outCapacity);

/// Converts `srcLength` bytes in `charset` to UTF-16.
/// Illegal or unmappable input is replaced with U+FFFD and counted in `*substitutions`.
/// Returns the number of UTF-16 units the full output needs; if that exceeds `destCapacity`,
/// nothing useful was written and the caller must retry with a larger buffer.
/// Returns -1 if the charset is unknown, -2 on any other ICU failure.
int32_t cicu_decode(const char *charset, const uint8_t *src, int32_t srcLength,
                    uint16_t *dest, int32_t destCapacity, int32_t *substitutions);

/// Converts UTF-16 to `charset` without substitution.
/// Returns the number of bytes the full output needs (retry if it exceeds `destCapacity`),
/// -1 if the charset is unknown, -3 if some character cannot be represented in `charset`,
/// -2 on any other ICU failure.
int32_t cicu_encode(const char *charset, const uint16_t *src, int32_t srcLength,
                    uint8_t *dest, int32_t destCapacity);

/// glibc's memmem (needs _GNU_SOURCE, which Swift's Glibc module does not expose):
/// the first occurrence of `needle` in `haystack`, or NULL. Used to find MIME boundaries fast.
const uint8_t *cicu_memmem(const uint8_t *haystack, size_t haystackLength,
                           const uint8_t *needle, size_t needleLength);

/// UTS #39 confusable skeleton of a UTF-8 string (ICU uspoof, libicui18n): two strings are
/// confusable when their skeletons are equal ("rnicrosoft" and "microsoft", "paypa1" and
/// "paypal", Cyrillic "аррӏе" and "apple"). Writes the NUL-terminated UTF-8 skeleton into `out`.
/// Returns its length (without the NUL); a result >= `outCapacity` means it did not fit: retry
/// with result + 1 bytes. -1 on failure.
int32_t cicu_spoof_skeleton(const char *utf8, int32_t length, char *out, int32_t outCapacity);

/// uspoof_areConfusableUTF8 with the default checks: 1 when `a` and `b` are confusable
/// (single-script or mixed-script), 0 when not, -1 on failure.
int cicu_spoof_confusable(const char *a, int32_t aLength, const char *b, int32_t bLength);

/// NFKC (compatibility composition, UAX #15) of a UTF-8 string: full-width Latin and half-width
/// katakana become their ordinary forms. Same return contract as cicu_spoof_skeleton.
int32_t cicu_nfkc(const char *utf8, int32_t length, char *out, int32_t outCapacity);

/// One bounded regular-expression search (ICU uregex, libicui18n) for Sieve's :regex match type.
/// `pattern` and `text` are UTF-16. `timeLimit` is ICU's match time limit (uregex_setTimeLimit,
/// steps of the match engine, on the order of milliseconds each), `stackLimit` the octets of heap
/// the backtracking stack may use (uregex_setStackLimit); both must be positive.
/// Returns 1 on a match, 0 on none, -1 if the pattern is not valid (`*errorOffset` is the UTF-16
/// offset ICU reports), -2 if the time limit was hit, -3 if the stack limit was, -4 on any other failure.
/// On a match `groups` holds, for group 0 (the whole match) and up to `maxGroups - 1` groups,
/// UTF-16 start and end pairs (-1, -1 for a group that took no part); `*groupCount` is how many
/// groups the pattern has.
int32_t cicu_regex_find(const uint16_t *pattern, int32_t patternLength, int caseInsensitive,
                        const uint16_t *text, int32_t textLength, int32_t timeLimit, int32_t stackLimit,
                        int32_t *groups, int32_t maxGroups, int32_t *groupCount, int32_t *errorOffset);

#ifdef __cplusplus
}
#endif
