#!/usr/bin/env bash
# Runs every fuzz target for a bounded time (docs/fuzzing.md).
#
#   bash tests/fuzz/run.sh [seconds-per-target] [target...]
#
# Installs cargo-fuzz when missing. The fuzz targets need nightly-only compiler flags; on a
# stable toolchain RUSTC_BOOTSTRAP=1 lets stable accept them. SANITIZER=none skips
# AddressSanitizer (faster; panics and hangs are still found). New corpus entries go to
# tests/fuzz/work/<target> (git-ignored); the committed seeds in tests/fuzz/corpus/<target> are
# only read. A crash stops its target and leaves the input in tests/fuzz/artifacts/<target>.
set -euo pipefail

cd "$(dirname "$0")/../.."
seconds="${1:-60}"
shift || true
export RUSTC_BOOTSTRAP="${RUSTC_BOOTSTRAP:-1}"
sanitizer="${SANITIZER:-address}"

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cargo fuzz list --fuzz-dir tests/fuzz)
fi

cargo fuzz build --fuzz-dir tests/fuzz --sanitizer "$sanitizer" --debug-assertions

mkdir -p tests/fuzz/logs
failed=()
for target in "${targets[@]}"; do
    mkdir -p "tests/fuzz/work/$target" "tests/fuzz/corpus/$target"
    echo "== $target: ${seconds}s"
    if cargo fuzz run --fuzz-dir tests/fuzz --sanitizer "$sanitizer" --debug-assertions \
        "$target" "tests/fuzz/work/$target" "tests/fuzz/corpus/$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=3072 -print_final_stats=1 \
        2>&1 | tee "tests/fuzz/logs/$target.log" | grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|==[0-9]+==|thread .* panicked|SUMMARY)'; then
        :
    fi
    if grep -qE 'panicked|SUMMARY: (libFuzzer|AddressSanitizer)|ERROR: libFuzzer' "tests/fuzz/logs/$target.log"; then
        failed+=("$target")
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "crashes in: ${failed[*]} (inputs in tests/fuzz/artifacts/, logs in tests/fuzz/logs/)"
    exit 1
fi
echo "no crashes in: ${targets[*]}"
