#!/bin/sh
# Durable enqueue through the store (1, 16, 64 producers; 1 and 4 KiB) against raw lmdbjava commits
# in the same run; prints medians, the store's commit profile and the ratios (about 7 minutes).
# Arguments (optional): rounds (5), measured 1 s iterations per way and round (2) and the store's
# producers, virtual (default: threads as the appliance's request handlers) or platform (JMH's own).
# Or: bench-storage.sh interleaved [triplets (30)] [slice ms (400)] [sizes (1024,4096)] [virtual|platform]:
# the store and raw lmdbjava in alternating slices in one JVM, so that each ratio's two figures meet
# the same disk (about 2 minutes).
# Build first:  ./mvnw -B -q -pl perf-bench -am package -DskipTests
# The LMDB files go to $BENCH_DIR (default perf-bench/target/bench-storage): it must be a real disk,
# since on tmpfs an fsync costs nothing.
set -eu
JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
here=$(cd "$(dirname "$0")" && pwd)
dir=${BENCH_DIR:-$here/target/bench-storage}
mkdir -p "$dir"
if [ "$(df --output=fstype "$dir" | tail -n 1)" = tmpfs ]; then
  echo "bench-storage: $dir is on tmpfs, where fsync costs nothing; set BENCH_DIR to a directory on a disk." >&2
  exit 2
fi
report=vn.lienthong.bench.storage.StorageEnqueueReport
if [ "${1:-}" = interleaved ]; then
  report=vn.lienthong.bench.storage.InterleavedEnqueueReport
  shift
fi
echo "load before the run: $(uptime)"
"$JAVA_HOME/bin/java" --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
  --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
  -Dlienthong.bench.dir="$dir" \
  -cp "$here/target/benchmarks.jar" "$report" "$@"
echo "load after the run: $(uptime)"
