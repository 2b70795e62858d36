#!/usr/bin/env bash
# The long fuzz campaign (issue 16; docs/security.md "Sixth campaign"): every target to RUNS executions
# (default 10 million) with libFuzzer's instrumentation only (no ASan: 10-50x more executions per second),
# then the corpus it grew replayed through the ASan build, which is what CI fuzzes with.
#   Fuzz/campaign.sh build                   fuzzer-only builds (.build-fuzz-plain, MailMessageFuzz/.build-plain)
#   Fuzz/campaign.sh run DIR TARGET...       each target in turn; corpus and log in DIR/TARGET, one line per
#                                            target in DIR/results (run two of these at once on two cores)
#   Fuzz/campaign.sh replay DIR TARGET...    every corpus input once through the ASan build (.build-fuzz,
#                                            made by Fuzz/HatoFuzz/run.sh); a finding exits non-zero
# Targets: the HatoFuzz targets (Fuzz/HatoFuzz/run.sh lists them), DNSMessageFuzz and MailMessageFuzz.
# A DIR/TARGET/corpus that exists is continued; a new one starts from the committed seeds.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export SWIFT_BACKTRACE=enable=no
export LSAN_OPTIONS="suppressions=$root/Fuzz/HatoFuzz/lsan.supp"
runs="${RUNS:-10000000}"

command_for() {  # build-dir target corpus -> the fuzzer's command line
    local build="$1" target="$2" corpus="$3"
    case "$target" in
        DNSMessageFuzz) echo "$root/$build/release/DNSMessageFuzz $corpus -max_len=4096" ;;
        MailMessageFuzz) local mm=.build-plain; [ "$build" = .build-fuzz ] && mm=.build
            echo "$root/Fuzz/MailMessageFuzz/$mm/release/MailMessageFuzz $corpus -max_len=262144" ;;
        *) echo "env HATO_FUZZ_TARGET=$target $root/$build/release/HatoFuzz $corpus -max_len=8192" ;;
    esac
}

seed() {  # target corpus
    mkdir -p "$2"
    case "$1" in
        DNSMessageFuzz) ;;
        MailMessageFuzz) cp -n "$root"/Tests/MailMessageTests/Fixtures/corpus/*.eml "$2"/ ;;
        *) cp -n "$root"/Fuzz/HatoFuzz/seeds/"$1"/* "$2"/ ;;
    esac
}

mode="${1:?build|run|replay}"; shift
case "$mode" in
build)
    nice -n 19 swift build -c release --product HatoFuzz -Xswiftc -sanitize=fuzzer -Xswiftc -DFUZZING \
        --scratch-path .build-fuzz-plain 2>&1 | tail -n 2
    nice -n 19 swift build -c release --product DNSMessageFuzz -Xswiftc -sanitize=fuzzer -Xswiftc -DFUZZING \
        --scratch-path .build-fuzz-plain 2>&1 | tail -n 2
    (cd Fuzz/MailMessageFuzz && nice -n 19 swift build -c release -Xswiftc -sanitize=fuzzer \
        -Xswiftc -parse-as-library --scratch-path .build-plain 2>&1 | tail -n 2) ;;
run)
    dir="${1:?DIR}"; shift
    for target in "$@"; do
        work="$dir/$target"; seed "$target" "$work/corpus"
        start=$(date -u +%FT%TZ)
        # -timeout=120: at nice 19 beside other work a slow input is CPU starvation, not a hang;
        # every saved input is replayed at full speed (and under ASan) before it counts as a finding.
        nice -n 19 $(command_for .build-fuzz-plain "$target" "$work/corpus") -runs="$runs" -timeout=120 \
            -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="$work/" >"$work/log" 2>&1
        rc=$?
        echo "$target rc=$rc start=$start end=$(date -u +%FT%TZ)" \
            "execs=$(awk '/^stat::number_of_executed_units/ {print $2}' "$work/log")" \
            "last=[$(grep -E '^#[0-9]+' "$work/log" | tail -n 1)]" >>"$dir/results"
    done ;;
replay)
    dir="${1:?DIR}"; shift; status=0
    for target in "$@"; do
        if ! $(command_for .build-fuzz "$target" "$dir/$target/corpus") -runs=0 -timeout=30 \
            -rss_limit_mb=4096 -artifact_prefix="$dir/$target/asan-" >"$dir/$target/replay.log" 2>&1; then
            status=1; echo "replay $target: FINDING"; grep -E 'ERROR|SUMMARY' "$dir/$target/replay.log" | head -n 5
        else
            echo "replay $target: $(grep -E '^#[0-9]+.*(INITED|DONE)' "$dir/$target/replay.log" | tail -n 1)"
        fi
    done
    exit "$status" ;;
esac
