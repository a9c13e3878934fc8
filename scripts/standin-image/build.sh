#!/usr/bin/env bash
# Builds a local stand-in for apache/kafka:4.1.1 (no image can be pulled here) from Debian's JDK 17 and the Maven jars of support/broker/pom.xml.
#
# The image keeps the contract container mode relies on (see ./run): it reads
# /mnt/shared/config/server.properties ("file input"), formats KRaft storage with CLUSTER_ID, honours
# KAFKA_HEAP_OPTS, runs kafka.Kafka and listens where server.properties says. It is a root fs assembled on
# this host (a jlink'd Java runtime, the shared libraries it links, busybox for /bin/sh, the Kafka jars) and
# imported with `docker import`, so nothing is fetched from an image registry.
#
# Idempotent: the image carries a content hash (this script, ./run, the pom, the JDK and busybox versions);
# a re-run with the same hash does nothing. Usage: scripts/standin-image/build.sh [--force]
# Prints the image tag as its last line.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
TAG="${STANDIN_IMAGE_TAG:-eventstream-readiness/kafka-standin:4.1.1}"
LABEL=eventstream-readiness.standin-content
POM="$root/support/broker/pom.xml"
force=false
[[ "${1:-}" == "--force" ]] && force=true

say() { echo "[standin-image] $*" >&2; }

# Every wait on the engine is bounded: a hung daemon must fail the build, not stall CI.
docker_() { timeout 120 docker "$@"; }
if ! timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then
  say "no Docker engine answers: start one first: scripts/standin-image/setup-docker.sh"
  exit 1
fi

# Tools from Debian's packages: the JDK (for jlink) and a static busybox (for /bin/sh in an empty root fs).
need=()
command -v jlink >/dev/null 2>&1 || [[ -x /usr/lib/jvm/java-17-openjdk-amd64/bin/jlink ]] || need+=(openjdk-17-jdk-headless)
# The static build: the root fs has no libraries but those the Java runtime links.
dpkg -s busybox-static >/dev/null 2>&1 || need+=(busybox-static)
command -v mvn >/dev/null 2>&1 || need+=(maven)
if ((${#need[@]} > 0)); then
  say "installing ${need[*]} from Debian's packages"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >&2
fi
JDK=/usr/lib/jvm/java-17-openjdk-amd64
[[ -x "$JDK/bin/jlink" ]] || JDK="$(dirname "$(dirname "$(readlink -f "$(command -v jlink)")")")"
# Kafka's broker needs these modules (JMX, SASL/GSSAPI, TLS with EC keys, java.beans via commons-beanutils, Unsafe).
MODULES=java.base,java.compiler,java.datatransfer,java.desktop,java.instrument,java.logging,java.management,java.management.rmi,java.naming,java.net.http,java.prefs,java.rmi,java.scripting,java.security.jgss,java.security.sasl,java.sql,java.transaction.xa,java.xml,jdk.crypto.ec,jdk.crypto.cryptoki,jdk.jfr,jdk.management,jdk.management.agent,jdk.naming.dns,jdk.net,jdk.security.auth,jdk.security.jgss,jdk.unsupported,jdk.zipfs

# No `| head` here: a reader that closes early SIGPIPEs the writer, and pipefail would fail the build at random.
busybox_version="$(dpkg-query -W -f '${Version}' busybox-static)"
hash="$( {
  cat "$0" "$here/run" "$here/default-server.properties" "$POM"
  cat "$JDK/release"
  echo "busybox-static $busybox_version"
} | sha256sum | cut -c1-16)"

current="$(docker_ image inspect "$TAG" --format "{{ index .Config.Labels \"$LABEL\" }}" 2>/dev/null || true)"
if [[ "$current" == "$hash" && "$force" == false ]]; then
  say "$TAG is up to date (content $hash)"
  echo "$TAG"
  exit 0
fi

started=$(date +%s)
work="$(mktemp -d "${TMPDIR:-/tmp}/standin-image.XXXXXX")"
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"
mkdir -p "$rootfs"/{bin,etc,tmp,opt/kafka/libs,opt/kafka/config,mnt/shared/config,etc/kafka/secrets,etc/kafka/docker,var/lib/kafka/data}
chmod 1777 "$rootfs/tmp"

say "jlink: a Java 17 runtime from $JDK"
"$JDK/bin/jlink" --add-modules "$MODULES" --strip-debug --no-man-pages --no-header-files --compress=2 \
  --output "$rootfs/opt/java"
# Class data sharing cuts the JVM's start-up; best effort (not every jlink build can generate it).
"$rootfs/opt/java/bin/java" -Xshare:dump >/dev/null 2>&1 || true

say "shared libraries the runtime links (from this host's Debian packages)"
# Every absolute library path the runtime's binaries and libraries resolve to, copied at the same path.
find "$rootfs/opt/java" -type f \( -name '*.so' -o -path '*/bin/*' \) -print0 |
  xargs -0 ldd 2>/dev/null | grep -oE '(/[^ ]+\.so[^ ]*)' | sort -u | while read -r lib; do
    case "$lib" in "$rootfs"*) continue ;; esac
    [[ -e "$lib" ]] || continue
    mkdir -p "$rootfs$(dirname "$lib")"
    cp -L "$lib" "$rootfs$lib"
    real="$(readlink -f "$lib")"
    [[ "$real" != "$lib" ]] && { mkdir -p "$rootfs$(dirname "$real")"; cp -L "$lib" "$rootfs$real"; }
  done
# Debian's usrmerge: /lib and /lib64 are links into /usr.
for d in lib lib64; do
  if [[ -L "/$d" && ! -e "$rootfs/$d" ]]; then ln -s "$(readlink "/$d")" "$rootfs/$d"; fi
done

say "busybox for /bin/sh and the usual tools"
cp /bin/busybox "$rootfs/bin/busybox"
for applet in $(/bin/busybox --list); do
  [[ -e "$rootfs/bin/$applet" ]] || ln -s busybox "$rootfs/bin/$applet"
done

say "Kafka 4.1.1 jars from Maven (support/broker/pom.xml)"
if ! mvn_out="$(timeout 600 mvn -B -q -Dstyle.color=never -f "$POM" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$rootfs/opt/kafka/libs" 2>&1)"; then
  echo "$mvn_out" | tail -n 20 >&2
  say "Maven could not copy the Kafka jars"
  exit 1
fi

install -m 0755 "$here/run" "$rootfs/etc/kafka/docker/run"
install -m 0644 "$here/default-server.properties" "$rootfs/opt/kafka/config/server.properties"
# The official image runs as appuser (uid 1000): files copied into the container must be readable by it.
printf 'root:x:0:0:root:/root:/bin/sh\nappuser:x:1000:1000:appuser:/home/appuser:/bin/sh\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\nappuser:x:1000:\n' >"$rootfs/etc/group"
mkdir -p "$rootfs/home/appuser"
# The home dir and the data dir belong to appuser, as in the official image.
chown -R 1000:1000 "$rootfs/home/appuser" "$rootfs/var/lib/kafka"
# Docker bind-mounts these over the image's; the targets must exist.
touch "$rootfs/etc/hosts" "$rootfs/etc/hostname" "$rootfs/etc/resolv.conf"

previous="$(docker_ image inspect "$TAG" --format '{{.Id}}' 2>/dev/null || true)"
say "importing $TAG ($(du -sh "$rootfs" | cut -f1) root fs)"
tar --numeric-owner -C "$rootfs" -c . |
  docker_ import \
    --change 'ENTRYPOINT ["/etc/kafka/docker/run"]' \
    --change 'ENV PATH=/opt/java/bin:/bin JAVA_HOME=/opt/java' \
    --change 'USER 1000:1000' \
    --change 'WORKDIR /home/appuser' \
    --change 'EXPOSE 9092' \
    --change "LABEL $LABEL=$hash org.opencontainers.image.description=stand-in-for-apache/kafka:4.1.1" \
    - "$TAG" >/dev/null
# The image this one replaces would linger untagged: remove it (kept if a container still uses it).
if [[ -n "$previous" ]]; then docker_ rmi "$previous" >/dev/null 2>&1 || true; fi
say "built $TAG (content $hash) in $(($(date +%s) - started)) s"
echo "$TAG"
