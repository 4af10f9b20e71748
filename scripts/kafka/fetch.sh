#!/usr/bin/env bash
# Fetches the Apache Kafka broker jars (from Maven Central, through Maven) into
# $KAFKA_CACHE_DIR/libs (default: <repo>/.cache/kafka/libs) and prints that folder.
# Cached: a stamp file holding the hash of pom.xml marks a complete copy, so a second run
# does nothing. Maven's own cache (~/.m2) keeps the downloads across clean checkouts.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cache="${KAFKA_CACHE_DIR:-$root/.cache/kafka}"
libs="$cache/libs"
stamp="$libs/.stamp"
want="$(sha256sum "$here/pom.xml" | cut -d' ' -f1)"

need() {
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "fetch.sh: '$1' not found on PATH: the Kafka test broker needs Java 17+ and Maven" >&2
    exit 1
  fi
}

need java
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "$libs"
  exit 0
fi
need mvn

# Several test processes may start at once: one fetches, the others wait and reuse it.
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "$libs"
  exit 0
fi
tmp="$(mktemp -d "$cache/libs.tmp.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
# stdout holds only the folder; Maven's output is shown only when it fails.
if ! mvn -q -B -Dstyle.color=never -f "$here/pom.xml" dependency:copy-dependencies \
  -DoutputDirectory="$tmp" -DincludeScope=runtime >"$tmp/.mvn.log" 2>&1; then
  cat "$tmp/.mvn.log" >&2
  echo "fetch.sh: Maven could not fetch the Kafka broker jars (see above)" >&2
  exit 1
fi
rm -f "$tmp/.mvn.log"
if ! ls "$tmp"/kafka_2.13-*.jar >/dev/null 2>&1; then
  echo "fetch.sh: Maven finished but no kafka_2.13 jar was copied to $tmp" >&2
  exit 1
fi
echo "$want" >"$tmp/.stamp"
rm -rf "$libs"
mv "$tmp" "$libs"
trap - EXIT
echo "$libs"
