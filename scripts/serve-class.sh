#!/usr/bin/env bash
# Serve the playground to a class from one machine: N `gradplay app` workers
# on consecutive 127.0.0.1 ports behind nginx, which gives each browser a
# sticky worker and upgrades Streamlit's websocket. One worker uses about one
# core (Python's GIL), so N is about the number of cores.
#
#   bash scripts/serve-class.sh N [--port 8080] [--listen 127.0.0.1] [--worker-port 8601]
#
#   --port         where learners connect (nginx)                  default 8080
#   --listen       nginx's address; 0.0.0.0 to serve the network   default 127.0.0.1
#   --worker-port  the first worker's port; worker i uses it + i   default 8601
#
# Environment: GRADPLAY, the command that runs gradplay (default: this
# checkout's .venv/bin/gradplay, else gradplay on PATH); RUN_DIR, where the
# nginx config, pid, logs and temp files go (default: a fresh temporary
# directory, removed on exit; a given RUN_DIR is kept).
#
# nginx is Debian's package; when it is missing and we are root, it is
# installed with apt-get. Ctrl+C, SIGTERM or SIGHUP stop every worker and
# nginx, and the script waits until they are gone. If a worker or nginx dies,
# everything is stopped and the script exits 1.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"

usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[ $# -ge 1 ] || usage
workers="$1"; shift
port=8080; listen=127.0.0.1; first=8601
while [ $# -gt 0 ]; do
    case "$1" in
        --port) port="$2"; shift 2 ;;
        --listen) listen="$2"; shift 2 ;;
        --worker-port) first="$2"; shift 2 ;;
        *) usage ;;
    esac
done
for n in "$workers" "$port" "$first"; do
    [[ "$n" =~ ^[0-9]+$ ]] || { echo "serve-class: '$n' is not a whole number" >&2; exit 2; }
done
if [ "$workers" -lt 1 ] || [ "$workers" -gt 64 ]; then
    echo "serve-class: N must be 1 to 64 workers, got $workers" >&2; exit 2
fi

nginx="$(command -v nginx || true)"
[ -n "$nginx" ] || [ ! -x /usr/sbin/nginx ] || nginx=/usr/sbin/nginx
if [ -z "$nginx" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "serve-class: installing nginx (Debian's package)" >&2
        bash "$here/scripts/install-nginx.sh"
        nginx=/usr/sbin/nginx
    else
        echo "serve-class: nginx is not installed (apt-get install nginx)" >&2; exit 1
    fi
fi

if [ -n "${GRADPLAY:-}" ]; then
    read -r -a gradplay <<< "$GRADPLAY"
elif [ -x "$here/.venv/bin/gradplay" ]; then
    gradplay=("$here/.venv/bin/gradplay")
else
    gradplay=(gradplay)
fi

if [ -n "${RUN_DIR:-}" ]; then
    run="$RUN_DIR"; keep=1; mkdir -p "$run"
else
    run="$(mktemp -d -t gradplay-class.XXXXXX)"; keep=0
fi
chmod 755 "$run"   # nginx's workers may run as another user (nobody when started as root)

pids=()
stop() {
    trap - EXIT INT TERM HUP
    [ ${#pids[@]} -eq 0 ] || kill -TERM "${pids[@]}" 2>/dev/null || true
    for _ in $(seq 50); do   # up to 5 s for a clean stop, then no more waiting
        alive=0
        for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        [ "$alive" = 0 ] && break
        sleep 0.1
    done
    [ ${#pids[@]} -eq 0 ] || kill -KILL "${pids[@]}" 2>/dev/null || true
    wait 2>/dev/null || true
    [ "$keep" = 1 ] || rm -rf "$run"
}
trap 'stop' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

upstreams=""
for ((i = 0; i < workers; i++)); do
    p=$((first + i))
    "${gradplay[@]}" app --port "$p" --host 127.0.0.1 >"$run/worker$i.log" 2>&1 &
    pids+=($!)
    upstreams+="        server 127.0.0.1:$p max_fails=1 fail_timeout=5s;"$'\n'
done

sed -e "s|@RUN@|$run|g" -e "s|@LISTEN@|$listen|g" -e "s|@PORT@|$port|g" \
    "$here/deploy/nginx.conf.template" |
    awk -v ups="$upstreams" '{ if ($0 == "@UPSTREAMS@") printf "%s", ups; else print }' \
    >"$run/nginx.conf"
"$nginx" -t -q -p "$run" -c "$run/nginx.conf" -e "$run/error.log"

# nginx can start at once; wait for the workers so the first learners get a page
for ((i = 0; i < workers; i++)); do
    p=$((first + i))
    for _ in $(seq 300); do
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && break
        kill -0 "${pids[$i]}" 2>/dev/null || {
            echo "serve-class: worker $i (port $p) did not start:" >&2
            tail -n 20 "$run/worker$i.log" >&2; exit 1; }
        sleep 0.2
    done
done
"$nginx" -p "$run" -c "$run/nginx.conf" -e "$run/error.log" &
pids+=($!)
echo "gradplay class: $workers workers behind http://$listen:$port  (logs: $run; Ctrl+C to stop)"

wait -n "${pids[@]}" || true
echo "serve-class: a worker or nginx stopped; stopping the rest (logs: $run)" >&2
exit 1
