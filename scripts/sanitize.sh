#!/usr/bin/env bash
# Builds troupe with sanitizers (cmake -DTROUPE_SANITIZE=...) and runs its tests.
#
#   scripts/sanitize.sh            AddressSanitizer + UndefinedBehaviorSanitizer
#                                  into build-asan/, then ctest (every suite)
#   scripts/sanitize.sh ci         the same build, only the unit suites (runtime_test,
#                                  actors_test, net_test, job_fields_test): what .ci/run
#                                  runs, within its time budget (docs/security.md)
#   scripts/sanitize.sh tsan       ThreadSanitizer into build-tsan/, then the
#                                  actor and guard tests (actors_test, net_test) only
#
# Environment: TROUPE_SANITIZE_TESTS (ctest -R regex, default: all for asan,
# "^(AggregatorValidation|Protocol|EmbeddedCluster.ThreeNodes|MessageGuard)" for tsan), TROUPE_JOBS (build and
# test parallelism, default 2), TROUPE_SANITIZE_TARGETS (targets to build,
# default: the test executables and the troupe binary; for ci the unit suites).
#
# LibTorch, CAF and OpenBLAS are not instrumented: ASan still checks every
# access troupe's code makes and UBSan troupe's arithmetic; TSan may miss races
# inside them and reports those it sees through suppressions in
# scripts/tsan.supp. Leak checking is on; third-party leaks at exit are
# suppressed in scripts/lsan.supp.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
kind=${1:-asan}
jobs=${TROUPE_JOBS:-2}
# The unit suites CI runs under ASan: every runtime room, the actors, the
# guard and the job's field table. The suites that start processes or train
# for minutes (cli_test, cluster_test, chaos_test, models_test) stay out of CI:
# they would take most of its 90 minutes on 2 cores (docs/security.md).
ci_suites="runtime_test actors_test net_test job_fields_test"
# ctest's arguments that choose the tests (an array: a regex with spaces stays whole).
select=()
case "$kind" in
  asan | ci)
    build="$root/build-asan"
    sanitize=ON
    if [[ $kind == ci ]]; then
      targets=${TROUPE_SANITIZE_TARGETS:-$ci_suites}
      # By label (each suite's executable name, tests/CMakeLists.txt); the
      # fixture's last test looks for leftover troupe processes, which these
      # suites do not start and which this build does not have.
      select=(-L "^(${ci_suites// /|})\$" -FC troupe_processes)
    else
      targets=${TROUPE_SANITIZE_TARGETS:-"troupe runtime_test models_test net_test actors_test cli_test cluster_test chaos_test local_cluster allocation_example"}
    fi
    select+=(-R "${TROUPE_SANITIZE_TESTS:-.}")
    # Instrumented code runs several times slower: give the netns chaos job more time.
    export CHAOS_NETNS_JOB_TIMEOUT=${CHAOS_NETNS_JOB_TIMEOUT:-600}
    export TROUPE_TEST_TIME_SCALE=${TROUPE_TEST_TIME_SCALE:-4}
    export ASAN_OPTIONS=${ASAN_OPTIONS:-"detect_leaks=1:abort_on_error=0:strict_string_checks=1"}
    export LSAN_OPTIONS=${LSAN_OPTIONS:-"suppressions=$root/scripts/lsan.supp:print_suppressions=0"}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-"print_stacktrace=1:halt_on_error=1"}
    ;;
  tsan)
    build="$root/build-tsan"
    sanitize=thread
    select=(-R "${TROUPE_SANITIZE_TESTS:-"^(AggregatorValidation|Protocol|EmbeddedCluster.ThreeNodes|MessageGuard)"}")
    targets=${TROUPE_SANITIZE_TARGETS:-"actors_test net_test"}
    export TSAN_OPTIONS=${TSAN_OPTIONS:-"suppressions=$root/scripts/tsan.supp:halt_on_error=0:second_deadlock_stack=1"}
    ;;
  *)
    echo "usage: $0 [asan|ci|tsan]" >&2
    exit 2
    ;;
esac

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTROUPE_SANITIZE="$sanitize" \
  -DTROUPE_BUILD_BENCH=OFF -DTROUPE_USE_JEMALLOC=OFF
# shellcheck disable=SC2086
cmake --build "$build" -j "$jobs" --target $targets
cd "$build"
ctest -j "$jobs" "${select[@]}" --output-on-failure --timeout 900
