# Sourced by bin/serve and bin/demo: a small process supervisor in bash.
#   supervise NAME COMMAND...   start COMMAND in the background, remembered as NAME
#   supervise_loop              restart whichever exits; return when the budget is spent
# A process that exits (crash, OOM kill, a bug) is restarted after a pause that doubles
# with each restart (1, 2, 4 … 30 s). More than RESTART_LIMIT (5) restarts of one process
# within RESTART_WINDOW (60) seconds means it cannot run (bad settings, a broken
# release): supervise_loop then returns 1 and the caller stops the others, as
# systemd's StartLimitBurst would. Ctrl-C or TERM stops everything (supervise_stop).
RESTART_LIMIT=${RESTART_LIMIT:-5}
RESTART_WINDOW=${RESTART_WINDOW:-60}
declare -A _sup_cmd=() _sup_pid=() _sup_starts=()
_sup_names=()
_sup_stopping=0

_sup_start() {
  local name=$1
  # exec: the pid is the process itself, so TERM reaches it (not a subshell).
  eval "exec ${_sup_cmd[$name]}" &
  _sup_pid[$name]=$!
}

supervise() {
  local name=$1
  shift
  _sup_names+=("$name")
  _sup_cmd[$name]=$(printf '%q ' "$@")
  _sup_start "$name"
}

supervise_pids() {
  local name
  for name in "${_sup_names[@]}"; do printf '%s ' "${_sup_pid[$name]}"; done
}

supervise_stop() {
  trap - INT TERM EXIT
  _sup_stopping=1
  local pids
  pids=$(supervise_pids)
  echo ">> stopping ($pids)" >&2
  # shellcheck disable=SC2086
  kill -TERM $pids 2>/dev/null || true
  # shellcheck disable=SC2086
  wait $pids 2>/dev/null || true
}

# Polls once a second rather than `wait -n PIDS`: a process that exits before bash
# reaches `wait -n` is dropped from bash's job table and `wait -n` would then never
# report it ("no such job"); `kill -0` then `wait PID` (which finds it) always does.
supervise_loop() {
  local died status name now recent delay t
  set +e # an exit status is what we handle here, not a reason to stop
  while true; do
    sleep 1 &
    wait $! # interruptible: a TERM stops at once
    [ "$_sup_stopping" = 1 ] && return 0
    for name in "${_sup_names[@]}"; do
      died=${_sup_pid[$name]}
      kill -0 "$died" 2>/dev/null && continue
      wait "$died"
      status=$?
      now=$(date +%s)
      recent=""
      for t in ${_sup_starts[$name]:-}; do [ $((now - t)) -lt "$RESTART_WINDOW" ] && recent+="$t "; done
      # shellcheck disable=SC2086
      set -- $recent
      if [ $# -ge "$RESTART_LIMIT" ]; then
        echo ">> $name (pid $died) exited with status $status: $((RESTART_LIMIT + 1)) exits within ${RESTART_WINDOW} s, giving up" >&2
        return 1
      fi
      delay=$((1 << $#))
      [ "$delay" -gt 30 ] && delay=30
      echo ">> $name (pid $died) exited with status $status; restart $(($# + 1))/$RESTART_LIMIT in ${delay} s" >&2
      sleep "$delay" &
      wait $!
      [ "$_sup_stopping" = 1 ] && return 0
      _sup_starts[$name]="$recent$now"
      _sup_start "$name"
      echo ">> $name restarted (pid ${_sup_pid[$name]})" >&2
    done
  done
}
