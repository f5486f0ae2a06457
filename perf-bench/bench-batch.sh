#!/bin/sh
# Runs the batch signing benchmark against a throw-away SoftHSM2 token and prints medians and ratios.
# Arguments: [--pairs N] [--latency-only] [rsa2048] [ecp256]  (N alternating raw/lone runs for the
# one-caller latency ratio, default 5; --latency-only skips the throughput table)
# Build first:  ./mvnw -B -q -pl perf-bench -am package -DskipTests
set -eu
JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/lienthong-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
# SoftHSM2 reads this in every JMH fork (forks inherit the environment); each fork writes the file
# and its own token below $work before its first PKCS#11 call.
export SOFTHSM2_CONF="$work/softhsm2.conf"
"$JAVA_HOME/bin/java" --add-modules=jdk.crypto.cryptoki \
  --add-exports=jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED \
  -cp "$here/target/benchmarks.jar" vn.lienthong.bench.BatchSigningReport "$@"
