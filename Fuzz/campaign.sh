#!/usr/bin/env bash
# The long fuzz campaign (issue 16; docs/security.md "Sixth campaign"): every target to RUNS executions
# (default 10 million) with libFuzzer's instrumentation only (no ASan: 10-50x more executions per second),
# then the corpus it grew replayed through the ASan build, which is what CI fuzzes with.
#   Fuzz/campaign.sh build                   fuzzer-only builds (.build-fuzz-plain, MailMessageFuzz/.build-plain)
#   Fuzz/campaign.sh run DIR TARGET...       each target in turn; corpus and log in DIR/TARGET, one line per
#                                            target in DIR/results (run two of these at once on two cores)
#   Fuzz/campaign.sh replay DIR TARGET...    every corpus input once through the ASan build (.build-fuzz,
#                                            made by Fuzz/HatoFuzz/run.sh); a finding exits non-zero
#   Fuzz/campaign.sh save DIR TARGET...      a target stopped short of RUNS (the session ended): adds the
#                                            executions its log shows to Fuzz/corpora/ledger.tsv and keeps
#                                            its corpus, minimized, as Fuzz/corpora/TARGET.tar.gz (commit both)
# Targets: the HatoFuzz targets (Fuzz/HatoFuzz/run.sh lists them), DNSMessageFuzz and MailMessageFuzz.
# A DIR/TARGET/corpus that exists is continued; a new one starts from the committed seeds plus the
# saved corpus of an earlier segment, and runs only what the ledger says is left of RUNS. A session
# machine does not outlive the session, so a long target runs in segments, each resumed from the
# corpus the last one left (as OSS-Fuzz's sessions are); the ledger has one line per segment.
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
    if [ -f "$root/Fuzz/corpora/$1.tar.gz" ]; then tar -xzf "$root/Fuzz/corpora/$1.tar.gz" -C "$2"; fi
}

ledger="$root/Fuzz/corpora/ledger.tsv"
done_so_far() {  # target -> executions the ledger holds for it
    [ -f "$ledger" ] || { echo 0; return; }
    awk -F'\t' -v t="$1" '$1 == t { n += $2 } END { print n + 0 }' "$ledger"
}

mode="${1:?build|run|save|replay}"; shift
# The commit the fuzzer-only build was made from (recorded by `build` as it starts; "+dirty" when
# the tree had uncommitted changes): what a ledger line names.
source_of_build() { cat "$root/.build-fuzz-plain/campaign-source" 2>/dev/null || echo unknown; }

case "$mode" in
build)
    mkdir -p .build-fuzz-plain
    { git rev-parse --short HEAD; git diff --quiet HEAD || echo "+dirty"; } | tr -d '\n' >.build-fuzz-plain/campaign-source
    nice -n 19 swift build -c release --product HatoFuzz -Xswiftc -sanitize=fuzzer -Xswiftc -DFUZZING \
        --scratch-path .build-fuzz-plain 2>&1 | tail -n 2
    nice -n 19 swift build -c release --product DNSMessageFuzz -Xswiftc -sanitize=fuzzer -Xswiftc -DFUZZING \
        --scratch-path .build-fuzz-plain 2>&1 | tail -n 2
    (cd Fuzz/MailMessageFuzz && nice -n 19 swift build -c release -Xswiftc -sanitize=fuzzer \
        -Xswiftc -parse-as-library --scratch-path .build-plain 2>&1 | tail -n 2) ;;
run)
    dir="${1:?DIR}"; shift
    for target in "$@"; do
        work="$dir/$target"
        [ -d "$work/corpus" ] || seed "$target" "$work/corpus"
        left=$((runs - $(done_so_far "$target")))
        if [ "$left" -le 0 ]; then echo "$target: the ledger already holds $runs executions" >>"$dir/results"; continue; fi
        start=$(date -u +%FT%TZ); echo "start=$start" >"$dir/started.$target"
        # -timeout=120: at nice 19 beside other work a slow input is CPU starvation, not a hang;
        # every saved input is replayed at full speed (and under ASan) before it counts as a finding.
        nice -n 19 $(command_for .build-fuzz-plain "$target" "$work/corpus") -runs="$left" -timeout=120 \
            -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="$work/" >"$work/log" 2>&1
        rc=$?
        echo "$target rc=$rc start=$start end=$(date -u +%FT%TZ)" \
            "execs=$(awk '/^stat::number_of_executed_units/ {print $2}' "$work/log")" \
            "last=[$(grep -E '^#[0-9]+' "$work/log" | tail -n 1)]" >>"$dir/results"
        # A segment that ran to its end is in the ledger too, so the ledger sums each target's runs.
        execs=$(awk '/^stat::number_of_executed_units/ {print $2}' "$work/log")
        if [ "$rc" = 0 ] && [ -n "$execs" ]; then
            mkdir -p "$root/Fuzz/corpora"
            printf '%s\t%s\t%s\t%s\t%s\n' "$target" "$execs" "$(source_of_build)" "$start" \
                "$(date -u +%FT%TZ)" >>"$ledger"
        fi
    done ;;
save)
    dir="${1:?DIR}"; shift; mkdir -p "$root/Fuzz/corpora"
    for target in "$@"; do
        work="$dir/$target"
        # The last status line libFuzzer printed: a lower bound on what ran before it was stopped.
        execs=$(grep -aoE '^#[0-9]+' "$work/log" | tail -n 1 | tr -d '#')
        [ -n "$execs" ] || { echo "save $target: no executions in $work/log"; continue; }
        rm -rf "$work/min"; mkdir -p "$work/min"
        $(command_for .build-fuzz-plain "$target" "$work/min") "$work/corpus" -merge=1 -timeout=120 \
            -rss_limit_mb=4096 >"$work/merge.log" 2>&1 || { echo "save $target: merge failed"; continue; }
        tar -czf "$root/Fuzz/corpora/$target.tar.gz" -C "$work/min" .
        printf '%s\t%s\t%s\t%s\t%s\n' "$target" "$execs" "$(source_of_build)" \
            "$(grep -aoE 'start=[^ ]+' "$dir/started.$target" 2>/dev/null | cut -d= -f2)" "$(date -u +%FT%TZ)" >>"$ledger"
        echo "save $target: $execs executions, $(ls "$work/min" | wc -l) inputs kept"
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
