#!/usr/bin/env bash
# Installs the system tools the tests drive for real: tcpdump (loopback recordings), tshark and
# capinfos (reference counts), ndpiReader (protocol-label agreement), Chromium (dashboard), and
# Java + Maven (the Kafka broker).
# Idempotent: does nothing when they are already there.
set -euo pipefail
need=()
command -v tcpdump >/dev/null || need+=(tcpdump)
command -v tshark >/dev/null || need+=(tshark)
command -v capinfos >/dev/null || need+=(wireshark-common)
command -v ndpiReader >/dev/null || need+=(libndpi-bin)
command -v chromium >/dev/null || need+=(chromium)
# The Kafka test broker: its jars come from Maven Central through Maven, it runs on Java 17.
command -v java >/dev/null || need+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || need+=(maven)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "setup-test-deps: missing ${need[*]}; install them (apt-get install ${need[*]}) or run as root" >&2
  exit 1
fi
echo "setup-test-deps: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
