#!/usr/bin/env bash
# Builds every fuzz target (tests/fuzz/*_fuzz.cc) as a libFuzzer binary with clang-19, ASan and
# UBSan in build-fuzz, runs each for a bounded time on a copy of its committed corpus and prints
# a table. Exits non-zero when a target crashes, printing the reproducer and the stack.
#   scripts/fuzz.sh [--merge] [SECONDS_PER_TARGET]   (default 20 seconds)
# --merge adds the new inputs that raise coverage to tests/fuzz/corpus/<name>/ (minimised).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

merge=0
seconds=20
for arg in "$@"; do
  case $arg in
    --merge) merge=1 ;;
    ''|*[!0-9]*) echo "usage: $0 [--merge] [SECONDS_PER_TARGET]" >&2; exit 2 ;;
    *) seconds=$arg ;;
  esac
done
jobs=$(nproc)
build=$root/build-fuzz

# Instrument every library for coverage (fuzzer-no-link) and the sanitizers; the fuzz targets
# themselves add -fsanitize=fuzzer (tests/CMakeLists.txt). -O1 keeps the build quick.
san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
CC=clang-19 CXX=clang++-19 cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DHD_FUZZ=ON -DHD_KERNEL_TESTS=OFF -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link $san" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
build_start=$SECONDS
cmake --build "$build" -j "$jobs" --target fuzz_targets >"$build/fuzz-build.log" 2>&1 || {
  tail -n 60 "$build/fuzz-build.log"
  echo "fuzz: build failed (full log: $build/fuzz-build.log)" >&2
  exit 1
}
echo "fuzz: built the targets in $((SECONDS - build_start)) s"

work=$(mktemp -d /tmp/hd-fuzz.XXXXXX)
export ASAN_OPTIONS=abort_on_error=0:detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

run_one() {  # run_one NAME: fuzzes one target; its log is $work/NAME/log
  local name=$1 dir=$work/$1
  mkdir -p "$dir/new" "$dir/seed" "$dir/artifacts"
  if [[ -d $root/tests/fuzz/corpus/$name ]]; then cp -r "$root/tests/fuzz/corpus/$name/." "$dir/seed/"; fi
  # libFuzzer writes new inputs to the first folder only; the seed copy is read.
  local rc=0
  "$build/tests/fuzz_$name" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$dir/artifacts/" "$dir/new" "$dir/seed" \
    >"$dir/log" 2>&1 || rc=$?
  echo "$rc" >"$dir/rc"
}

names=()
for src in tests/fuzz/*_fuzz.cc; do
  name=$(basename "$src" _fuzz.cc)
  names+=("$name")
done
run_start=$SECONDS
for name in "${names[@]}"; do
  while (($(jobs -rp | wc -l) >= jobs)); do wait -n || true; done
  run_one "$name" &
done
wait
echo "fuzz: ran ${#names[@]} targets for ${seconds} s each in $((SECONDS - run_start)) s" \
  "($jobs at a time)"

failed=0
printf '%-16s %12s %10s %10s  %s\n' target executions coverage "new units" result
for name in "${names[@]}"; do
  dir=$work/$name
  rc=$(cat "$dir/rc")
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -n1)
  cov=$(grep -o 'cov: [0-9]*' "$dir/log" | tail -n1 | cut -d' ' -f2 || true)
  units=$(find "$dir/new" -type f | wc -l)
  result=ok
  ((rc == 0)) || { result="CRASH (exit $rc)"; failed=1; }
  printf '%-16s %12s %10s %10s  %s\n' "$name" "${execs:-?}" "${cov:-?}" "$units" "$result"
done

for name in "${names[@]}"; do
  dir=$work/$name
  (($(cat "$dir/rc") == 0)) && continue
  echo
  echo "== $name crashed; reproducer(s):"
  find "$dir/artifacts" -type f -printf '  %p\n'
  echo "   replay: $build/tests/fuzz_$name <file>"
  # The sanitizer or libFuzzer report, from its first line to its SUMMARY.
  sed -n '/ERROR: \|runtime error:\|deadly signal\|ALARM: /,/^SUMMARY: /p' "$dir/log" | head -n 60
done

if ((merge)); then
  for name in "${names[@]}"; do
    (($(cat "$work/$name/rc") == 0)) || continue
    before=$(find "tests/fuzz/corpus/$name" -type f | wc -l)
    "$build/tests/fuzz_$name" -merge=1 "tests/fuzz/corpus/$name" "$work/$name/new" \
      >"$work/$name/merge.log" 2>&1
    after=$(find "tests/fuzz/corpus/$name" -type f | wc -l)
    echo "fuzz: merged $((after - before)) new inputs into tests/fuzz/corpus/$name"
  done
fi

if ((failed)); then
  echo "fuzz: FAILED; logs and reproducers are in $work" >&2
  exit 1
fi
rm -rf "$work"
echo "fuzz: no crash"
