#!/usr/bin/env bash
# Builds the MailMessage fuzzer with libFuzzer + AddressSanitizer (+ UBSan for C) and runs it for a bounded
# time, seeded with the test corpus. Usage: Fuzz/MailMessageFuzz/run.sh [seconds] (default 60).
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"
# UndefinedBehaviorSanitizer on the C boundary (CICU, the ICU charset shim): swiftc has no
# -sanitize=undefined, so the C target gets it through -Xcc; the ASan runtime carries the handlers.
swift build -c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library \
    -Xcc -fsanitize=undefined -Xcc -fno-sanitize-recover=undefined
mkdir -p corpus
cp ../../Tests/MailMessageTests/Fixtures/corpus/*.eml corpus/
.build/release/MailMessageFuzz corpus -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=262144 -print_final_stats=1
