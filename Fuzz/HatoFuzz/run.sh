#!/usr/bin/env bash
# Builds HatoFuzz with libFuzzer + AddressSanitizer and runs targets, each seeded with its
# committed seeds (copied into a scratch corpus under .build-fuzz, never written back).
#   Fuzz/HatoFuzz/run.sh SECONDS [TARGET...]        bounded by time (CI: 8 s per target)
#   RUNS=10000000 Fuzz/HatoFuzz/run.sh 0 TARGET...   bounded by executions (the long campaign;
#                                                    with SECONDS too, whichever comes first)
# Targets default to all; `HatoFuzz` in an ordinary build lists them. Exit status is non-zero
# when a target finds a crash, a hang (-timeout) or runaway memory; the input is left in
# .build-fuzz/hatofuzz/<target>/.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-8}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(smtp-command smtp-framing imap-framing imap-command imap-inflate pop3 managesieve sasl spf dkim dmarc auth-results arc encoded-words zip-directory html-tokenizer tls-client-hello milter-reply smime-cms smime-revocation sieve mta-sts openpgp-verify dmarc-report zlib-inflate tls-report autocrypt-field)
fi
swift build -c release --product HatoFuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING \
    --scratch-path .build-fuzz 2>&1 | tail -n 3
# libFuzzer and ASan report findings; the Swift backtracer would trip ASan reading memory.
export SWIFT_BACKTRACE=enable=no
# A known leak inside FoundationXML (not Hato's code) is suppressed by name; see lsan.supp.
export LSAN_OPTIONS="suppressions=$PWD/Fuzz/HatoFuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
status=0
for target in "${targets[@]}"; do
    work=".build-fuzz/hatofuzz/$target"
    mkdir -p "$work/corpus"
    cp Fuzz/HatoFuzz/seeds/"$target"/* "$work/corpus/"
    limit=()
    if [ "$seconds" != 0 ]; then limit+=(-max_total_time="$seconds"); fi
    if [ -n "${RUNS:-}" ]; then limit+=(-runs="$RUNS"); fi
    echo "== fuzz: $target"
    if ! HATO_FUZZ_TARGET="$target" .build-fuzz/release/HatoFuzz "$work/corpus" "${limit[@]}" \
        -max_len=8192 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/" \
        >"$work/log" 2>&1; then
        status=1
        grep -E "ERROR|Fatal|panic|SUMMARY|artifact" "$work/log" | head -n 20
    fi
    grep -E "^stat::number_of_executed_units|^#[0-9]+.*DONE|cov:" "$work/log" | tail -n 2
done
exit "$status"
