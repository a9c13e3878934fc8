#!/usr/bin/env bash
# Makes container mode runnable here: a Docker engine (Debian's docker.io) answering on the default socket, and the stand-in Kafka image.
#
# Reuses an engine that already answers (e.g. started by an earlier run); otherwise installs docker.io if
# absent and starts dockerd in the background, its log in $DOCKERD_LOG. The engine is started so that it
# touches the network no more than port publishing needs:
#   --ip=127.0.0.1         published ports listen on the loopback only (docker-proxy), never on every interface;
#   --iptables=false, --ip-masq=false, --ip-forward=false
#                          no firewall rules, no NAT, no forwarding: containers reach nothing outside, and are
#                          reached only through their ports published on 127.0.0.1.
# Then builds the stand-in image (scripts/standin-image/build.sh, skipped when up to date) and prints the
# variables container mode needs, as `export` lines, last.
# Needs root (apt-get, dockerd). Every wait is bounded.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
LOG="${DOCKERD_LOG:-/var/log/eventstream-readiness-dockerd.log}"
say() { echo "[docker-setup] $*" >&2; }
answers() { timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

# Waits up to $1 seconds for the engine to answer; gives up early if process $2 (the dockerd we started) has died.
wait_for_engine() {
  local deadline=$((SECONDS + $1))
  while ((SECONDS < deadline)); do
    answers && return 0
    if [[ -n "${2:-}" ]] && ! kill -0 "$2" 2>/dev/null; then return 1; fi
    sleep 1
  done
  return 1
}

start_dockerd() {
  # setsid: the daemon outlives this script and the CI step, and is reused by the next run.
  setsid dockerd --iptables=false --ip-masq=false --ip-forward=false --ip=127.0.0.1 "$@" >>"$LOG" 2>&1 </dev/null &
  echo $!
}

if answers; then
  say "a Docker engine answers already: reusing it ($(docker version --format '{{.Server.Version}}' 2>/dev/null))"
else
  if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
    say "installing docker.io from Debian's packages"
    timeout 300 apt-get update -q >&2
    DEBIAN_FRONTEND=noninteractive timeout 300 apt-get install -y -q docker.io >&2
  fi
  if pgrep -x dockerd >/dev/null 2>&1; then
    # Started by an earlier run and still coming up (or hung): give it time, never start a second one.
    say "dockerd is running but not answering yet; waiting for it"
    wait_for_engine 60 || { say "dockerd runs but does not answer; see $LOG"; exit 1; }
  else
    mkdir -p "$(dirname "$LOG")"
    say "starting dockerd (log: $LOG)"
    pid="$(start_dockerd)"
    if ! wait_for_engine 60 "$pid"; then
      if kill -0 "$pid" 2>/dev/null && ! grep -qiE 'overlay|graphdriver|storage.driver' "$LOG"; then
        say "dockerd did not answer within 60 s; last lines of $LOG:"
        tail -n 20 "$LOG" >&2
        exit 1
      fi
      # overlay2 needs kernel support that some sandboxes lack; vfs always works, only slower and larger.
      kill "$pid" 2>/dev/null || true
      stop_by=$((SECONDS + 20))
      while kill -0 "$pid" 2>/dev/null && ((SECONDS < stop_by)); do sleep 1; done
      say "dockerd did not come up with its default storage driver; retrying with --storage-driver vfs"
      pid="$(start_dockerd --storage-driver vfs)"
      wait_for_engine 60 "$pid" || { say "dockerd did not answer; last lines of $LOG:"; tail -n 20 "$LOG" >&2; exit 1; }
    fi
    say "dockerd answers ($(docker info --format '{{.Driver}}' 2>/dev/null) storage)"
  fi
fi

image="$("$here/build.sh" | tail -n 1)"
# Ryuk (testcontainers' reaper) is an image that cannot be pulled here; our own cleanup removes containers.
echo "export LOCAL_BROKER_IMAGE=$image"
echo "export TESTCONTAINERS_RYUK_DISABLED=true"
