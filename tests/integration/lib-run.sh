# Helpers for the tests of `flink-gitops run` (sourced after
# tests/k8s/lib.sh, with $fg the binary, $work a scratch folder and the
# Git servers' env file loaded: $REPOS, $GIT_PORT).
# shellcheck shell=bash

# load_git_env FILE: ROOT, REPOS, GIT_PORT... of tests/git/servers.sh
load_git_env() {
	local key val
	[[ -r $1 ]] || fail "no $1: are the Git servers up (fixture git_servers)?"
	while IFS='=' read -r key val; do
		printf -v "$key" '%s' "$val"
	done <"$1"
}

# new_source NAME: a bare repository served by git daemon, and a clone of
# it in $work/src-NAME ($src) to commit from.
new_source() {
	repo_name=$1
	git init -q --bare -b main "$REPOS/$repo_name.git"
	touch "$REPOS/$repo_name.git/git-daemon-export-ok"
	git -C "$REPOS/$repo_name.git" config daemon.receivepack true
	url=git://127.0.0.1:$GIT_PORT/$repo_name.git
	src=$work/src-$repo_name
	git init -q -b main "$src"
	git -C "$src" config user.email test@example.com
	git -C "$src" config user.name test
	git -C "$src" remote add origin "$url"
}

# commit MESSAGE: commit everything in $src and push it; $commit is it.
commit() {
	git -C "$src" add -A
	git -C "$src" commit -q -m "$1"
	git -C "$src" push -q origin HEAD:main 2>/dev/null
	commit=$(git -C "$src" rev-parse HEAD)
}

# config FILE [EXTRA YAML...]: an agent configuration for $url.
config() {
	local file=$1
	shift
	{
		cat <<-EOF
			apiVersion: flink-gitops.io/v1alpha1
			kind: AgentConfig
			source:
			  url: $url
			  interval: ${interval:-20s}
			  timeout: 30s
			  proposals: ["proposals/*", "refs/pull/*/head"]
			cluster: {kubeconfig: $FG_K8S_KUBECONFIG}
			sync: {debounce: 300ms, repository: ${repo_name}}
			listen: 127.0.0.1:0
			webhook: {secretFile: $work/secret}
			stateDir: $work/state-${agent_name:-a}
		EOF
		printf '%s\n' "$@"
	} >"$file"
}

# start_agent NAME CONFIG: run it in the background ($agent_pid), log in
# $work/NAME.log, and wait for its port ($port).
start_agent() {
	local name=$1 cfg=$2 i
	"$fg" --log-level "${log_level:-info}" run --config "$cfg" \
		2>"$work/$name.log" &
	agent_pid=$!
	for i in $(seq 1 100); do
		port=$(sed -n 's/.*event=http.listening .*port=\([0-9]*\).*/\1/p' \
			"$work/$name.log" | head -n 1)
		[[ -n $port ]] && return 0
		kill -0 "$agent_pid" 2>/dev/null || break
		sleep 0.1
	done
	fail "agent $name did not start: $(cat "$work/$name.log")"
}

# stop_agent [PID]: SIGTERM, and its exit code in $agent_rc.
stop_agent() {
	local pid=${1:-$agent_pid}
	kill -TERM "$pid" 2>/dev/null || true
	set +e
	wait "$pid"
	agent_rc=$?
	set -e
}

# wait_until SECONDS WHAT CMD...: poll CMD every 0.1 s.
wait_until() {
	local limit=$1 what=$2 end
	shift 2
	end=$(($(date +%s%N) + limit * 1000000000))
	while (($(date +%s%N) < end)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	fail "$what: not within ${limit}s"
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# hook PROVIDER REF [SECRET]: a signed push delivery; HTTP code in $code.
hook() {
	local provider=$1 ref=$2 key=${3:-$(cat "$work/secret")} body sig
	body="{\"ref\":\"$ref\",\"after\":\"$commit\"}"
	sig=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$key" | sed 's/.*= //')
	case $provider in
	github) code=$(curl -s -o /dev/null -w '%{http_code}' \
		-H 'X-GitHub-Event: push' -H "X-Hub-Signature-256: sha256=$sig" \
		--data-binary "$body" "http://127.0.0.1:$port/hooks/github") ;;
	gitlab) code=$(curl -s -o /dev/null -w '%{http_code}' \
		-H 'X-Gitlab-Event: Push Hook' -H "X-Gitlab-Token: $key" \
		--data-binary "$body" "http://127.0.0.1:$port/hooks/gitlab") ;;
	gitea) code=$(curl -s -o /dev/null -w '%{http_code}' \
		-H 'X-Gitea-Event: push' -H "X-Gitea-Signature: $sig" \
		--data-binary "$body" "http://127.0.0.1:$port/hooks/gitea") ;;
	esac
}

metrics() { curl -sf "http://127.0.0.1:$port/metrics"; }

# metric NAME_WITH_LABELS: its value (0 when absent).
metric() {
	metrics | awk -v m="$1" '$1 == m { print $2; found = 1 } END { if (!found) print 0 }'
}

# on_branch PATH: a file of the status branch, as the server has it.
on_branch() {
	git --git-dir="$REPOS/$repo_name.git" show "flink-gitops/status:$1"
}

# note COMMIT: the note flink-gitops wrote on it.
note() {
	git --git-dir="$REPOS/$repo_name.git" notes --ref flink-gitops show "$1"
}

cm_value() {
	kc get -n "$ns" configmap "$1" -o jsonpath='{.data.value}'
}
