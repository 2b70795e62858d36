#!/usr/bin/env bash
# Makes a store fixture for the upgrade tests (Tests/EndToEndTests/StoreUpgradeTests.swift) with
# the hato of an earlier commit, never by hand:
#
#   scripts/make-store-fixture.sh COMMIT NAME
#
# checks COMMIT out into a scratch git worktree, builds its `hato` (debug, under the shared build
# lock), and runs scripts/make_store_fixture.py with it: that commit's own CLI and listeners make a
# small data directory and read back what it holds. The result goes to
# Tests/EndToEndTests/Fixtures/StoreFormats/NAME/ (data.tar.gz, manifest.json, source.txt).
#
# The scratch worktree and its .build are kept for the next run, so building several commits in a
# row is incremental: HATO_FIXTURE_WORKTREE (default /tmp/hato-fixture-worktree). Remove it with
#   git worktree remove --force /tmp/hato-fixture-worktree
# Needs python3 and the store probe's modules (scramp is not needed to make a fixture).
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 COMMIT NAME" >&2; exit 2; }
commit=$1 name=$2
repo=$(cd "$(dirname "$0")/.." && pwd)
scratch=${HATO_FIXTURE_WORKTREE:-/tmp/hato-fixture-worktree}
full=$(git -C "$repo" rev-parse --verify "$commit^{commit}")

if [ -d "$scratch" ]; then
    git -C "$scratch" checkout --quiet --force --detach "$full"
else
    git -C "$repo" worktree add --detach "$scratch" "$full"
fi
echo "== building hato at $(git -C "$scratch" log -1 --format='%h %s' | cut -c1-90)"
(cd "$scratch" && flock /tmp/hato-swift.lock swift build --product hato 2>&1 | tail -n 3)
binary="$(cd "$scratch" && swift build --show-bin-path)/hato"

output="$repo/Tests/EndToEndTests/Fixtures/StoreFormats/$name"
rm -rf "$output"
python3 "$repo/scripts/make_store_fixture.py" "$binary" "$output" "$full"
cat > "$output/source.txt" <<TEXT
Made by: scripts/make-store-fixture.sh $commit $name
Commit:  $(git -C "$repo" log -1 --format='%H %ad%n         %s' --date=iso "$full")
Schema:  $(git -C "$repo" show "$full:Sources/MailStoreSQLite/Schema.swift" | grep -o 'registerMigration("[^"]*")' | sed 's/registerMigration(//; s/)$//' | paste -sd, -)
TEXT
du -sh "$output"
