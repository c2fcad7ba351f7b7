#!/usr/bin/env bash
# Reports, then removes, what finished test processes left behind: their child processes
# (ttapi-emulator, nginx, swapsync, ... and their descendants), the ports those listen on, and
# the tmpfs file systems the disk tests mounted. Exits 1 if it found anything, 0 if not.
#
#   scripts/check-leftovers.sh [STATE_ROOT]
#
# STATE_ROOT (default: $SWAPSYNC_TEST_STATE, else $TMPDIR/swapsync-tests) holds one run folder per
# test process, <STATE_ROOT>/<test pid> (see Tests/IntegrationTests/Support/ChildRegistry.swift):
#   owner     the test process's start time;
#   children  "<pid> <start time> <executable>" for every child it started;
#   mnt/      the mount points of its tmpfs file systems.
# Every child also carries SWAPSYNC_TEST_RUN=<run folder> in its environment, and so do its
# descendants. A test process that exits normally cleans up after itself and removes its run
# folder. Only test processes that have ended count, so a test run still going (another checkout,
# another engineer) is never touched; a process counts only if its PID and start time match a
# `children` line or its environment names the run folder of an ended test process.
set -uo pipefail

root=${1:-${SWAPSYNC_TEST_STATE:-${TMPDIR:-/tmp}/swapsync-tests}}
root=/$(printf '%s' "$root" | tr -s / | sed 's:^/::; s:/$::')

# Field 22 of /proc/<pid>/stat (start time) and field 3 (state); fields after the command name.
stat_fields() { local s; s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1; s=${s##*) }; echo "$s"; }
start_time() { local f; f=$(stat_fields "$1") || return 1; set -- $f; echo "${20}"; }
state_of() { local f; f=$(stat_fields "$1") || return 1; set -- $f; echo "$1"; }
pgid_of() { local f; f=$(stat_fields "$1") || return 1; set -- $f; echo "$3"; }

# A run folder whose test process has ended (or that it removed on a clean exit).
finished_run() {
  local owner=${1##*/}
  ! { [ -d "/proc/$owner" ] && [ "$(start_time "$owner")" = "$(cat "$1/owner" 2>/dev/null)" ]; }
}
finished=()
for run in "$root"/[0-9]*; do
  [ -d "$run" ] && finished_run "$run" && finished+=("$run")
done

declare -A leftover=() group=()
# 1. Children recorded by PID and start time (a recycled PID has another start time).
for run in "${finished[@]}"; do
  [ -f "$run/children" ] || continue
  while read -r pid start _; do
    [ -d "/proc/$pid" ] || continue
    [ "$(start_time "$pid")" = "$start" ] || continue
    [ "$(state_of "$pid")" = Z ] && continue
    leftover[$pid]=1
    group[$pid]=1  # a live leader: its process group is ours too
  done <"$run/children"
done
# 2. Anything whose environment names a run folder of an ended test process (descendants included).
for dir in /proc/[0-9]*; do
  pid=${dir#/proc/}
  [ "$pid" = $$ ] && continue
  marker=$(tr "\\0" "\\n" 2>/dev/null <"$dir/environ" | grep -m1 "^SWAPSYNC_TEST_RUN=$root/") || continue
  run=${marker#SWAPSYNC_TEST_RUN=}
  finished_run "$run" && [ "$(state_of "$pid")" != Z ] && leftover[$pid]=1
done

# Listening TCP sockets: inode -> address:port.
declare -A listening=()
for table in /proc/net/tcp /proc/net/tcp6; do
  [ -r "$table" ] || continue
  while read -r _ local _ st _ _ _ _ _ inode _; do
    [ "$st" = 0A ] || continue
    listening[$inode]="port $((16#${local##*:}))"
  done < <(tail -n +2 "$table")
done
ports_of() {
  local fd link inode out=()
  for fd in /proc/"$1"/fd/*; do
    link=$(readlink "$fd" 2>/dev/null) || continue
    case $link in socket:\[*\]) inode=${link#socket:[}; inode=${inode%]} ;; *) continue ;; esac
    [ -n "${listening[$inode]:-}" ] && out+=("${listening[$inode]}")
  done
  [ ${#out[@]} -gt 0 ] && printf ' listening on %s' "$(IFS=,; echo "${out[*]}")"
}

found=0
for pid in "${!leftover[@]}"; do
  found=1
  cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | cut -c1-160)
  echo "check-leftovers: LEFTOVER process $pid (group $(pgid_of "$pid")): $cmd$(ports_of "$pid")"
done
for pid in "${!leftover[@]}"; do
  [ -n "${group[$pid]:-}" ] && kill -KILL -- "-$pid" 2>/dev/null
  kill -KILL "$pid" 2>/dev/null
done

# 3. tmpfs file systems still mounted under a finished run folder.
mounted=()
while read -r source target fstype _; do
  for run in "${finished[@]}"; do
    case $target in
      "$run"/*)
        mounted+=("$target")
        echo "check-leftovers: LEFTOVER mount $target ($fstype from $source)"
        ;;
    esac
  done
done </proc/self/mounts
for target in "${mounted[@]}"; do
  found=1
  umount -l "$target" 2>/dev/null || echo "check-leftovers: could not unmount $target" >&2
done

# Killed processes disappear within moments; say so if one does not (bounded: 5 s).
for _ in $(seq 50); do
  alive=0
  for pid in "${!leftover[@]}"; do
    [ -d "/proc/$pid" ] && [ "$(state_of "$pid")" != Z ] && alive=1
  done
  [ $alive -eq 0 ] && break
  sleep 0.1
done
[ "${alive:-0}" -eq 0 ] || echo "check-leftovers: some leftover processes survived SIGKILL" >&2

# Run folders of finished test processes are no longer needed (nothing is mounted there now).
for run in "${finished[@]}"; do
  grep -q " $run/" /proc/self/mounts || rm -rf --one-file-system "$run"
done
rmdir "$root" 2>/dev/null

if [ $found -ne 0 ]; then
  echo "check-leftovers: FAILED: the tests left processes or mounts behind (see above); they are removed now" >&2
  exit 1
fi
echo "check-leftovers: clean: no process, port or mount left behind by the tests under $root"
