#!/usr/bin/env bash
# The README's recipes and pipeline examples, run as written: the code
# blocks marked `<!-- ci-test: NAME -->` are taken out of README.md (the
# shell of `run:` steps of a GitHub Actions workflow, the `script:` of a
# GitLab CI job, or an sh block) and run in clones made the way those CI
# systems make them:
#   GitHub Actions (actions/checkout@v4, pull_request): git init, remote
#     origin, fetch --depth=1 of the pull request's merge commit into
#     refs/remotes/pull/1/merge, checkout --force of it (detached HEAD);
#     push: fetch --depth=1 of the pushed commit, checkout -B main;
#   GitLab CI (merge request pipeline, fetch strategy): git init, remote
#     origin, fetch --depth 20 of the source branch, checkout -f of the
#     commit (detached HEAD).
# The Git server is a bare repository over file://; the deploy pipeline
# syncs into the test control plane, with a stand-in for the Flink
# operator that reports each FlinkDeployment STABLE once it has seen its
# generation.
#   test-readme-pipelines.sh ENV_FILE FLINK_GITOPS README
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../k8s/lib.sh"
fg=$(realpath "${2:?usage: $0 ENV_FILE FLINK_GITOPS README}")
readme=$(realpath "${3:?usage: $0 ENV_FILE FLINK_GITOPS README}")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
example=$here/../../repo-layout/example
work=$(mktemp -d "$k8s_dir/test-readme.XXXXXX")
operator_pid=
cleanup() {
	[[ -z $operator_pid ]] || kill "$operator_pid" 2>/dev/null || true
	rm -rf "$work" "$KUBECACHEDIR"
}
trap cleanup EXIT

export GIT_AUTHOR_NAME=dev GIT_AUTHOR_EMAIL=dev@example.com
export GIT_COMMITTER_NAME=dev GIT_COMMITTER_EMAIL=dev@example.com
export GIT_CONFIG_NOSYSTEM=1 HOME=$work/home
mkdir -p "$HOME" "$work/bin"
ln -s "$fg" "$work/bin/flink-gitops"
export PATH=$work/bin:$PATH

# block NAME: the code block after the marker `<!-- ci-test: NAME -->`
block() {
	awk -v want="<!-- ci-test: $1 -->" '
		$0 == want { found = 1; next }
		found && /^```/ { if (inside) exit; inside = 1; next }
		found && inside { print }' "$readme"
}

# github_runs FILE: the shell of every `run:` step, in order, one script
github_runs() {
	awk '
		function indent(s) { match(s, /^ */); return RLENGTH }
		inrun && (NF == 0 || indent($0) > runind) {
			if (!bodyind && NF) bodyind = indent($0)
			print substr($0, bodyind + 1); next
		}
		{ inrun = 0 }
		/^ *(- )?run: *\|/ { inrun = 1; runind = indent($0); bodyind = 0; next }
		/^ *(- )?run: / { sub(/^ *(- )?run: */, ""); print }' "$1"
}

# gitlab_script FILE: the `script:` items, one per line
gitlab_script() {
	awk '
		function indent(s) { match(s, /^ */); return RLENGTH }
		inscript && indent($0) > ind && /^ *- / { sub(/^ *- /, ""); print; next }
		{ inscript = 0 }
		/^ *script: *$/ { inscript = 1; ind = indent($0) }' "$1"
}

# with_value FILE KEY DEFAULT: a scalar set in the block (fetch-depth...)
with_value() {
	local v
	v=$(sed -nE "s/^ *$2: *\"?([^\"]*)\"?$/\1/p" "$1" | head -n 1)
	echo "${v:-$3}"
}

for name in sh-plan sh-saved-plan github-actions-plan gitlab-ci-plan github-actions-deploy; do
	block "$name" >"$work/$name"
	[[ -s $work/$name ]] || fail "README has no block marked ci-test: $name"
done
github_runs "$work/github-actions-plan" >"$work/github-plan.sh"
gitlab_script "$work/gitlab-ci-plan" >"$work/gitlab-plan.sh"
github_runs "$work/github-actions-deploy" >"$work/github-deploy.sh"
grep -q 'flink-gitops plan' "$work/github-plan.sh" || fail "no plan step found in the GitHub block: $(cat "$work/github-plan.sh")"
grep -q 'flink-gitops plan' "$work/gitlab-plan.sh" || fail "no plan step found in the GitLab block: $(cat "$work/gitlab-plan.sh")"
grep -q 'flink-gitops sync' "$work/github-deploy.sh" || fail "no sync step found in the deploy block"

# ---- the repository: main, a pull request branch, main moving on ---------
up=$work/upstream.git
git init -q --bare -b main "$up"
git init -q -b main "$work/dev"
cd "$work/dev"
cp -r "$example"/. .
git add -A && git commit -qm "the example"
# history deeper than the CI systems' clones
for i in $(seq 1 25); do
	echo "# change $i" >>flink-gitops.yaml
	git commit -qam "change $i"
done
git push -q "$up" main
git checkout -q -b feature
sed -i 's|parallelism: 2|parallelism: 4|' analytics/fraud-detector.yaml
grep -q 'parallelism: 4' analytics/fraud-detector.yaml || fail "example changed: no parallelism to raise"
git commit -qam "fraud-detector: parallelism 4"
git push -q "$up" feature
feature_sha=$(git rev-parse HEAD)
git checkout -q main
printf '\n# main moved on\n' >>streaming/_defaults.yaml
git commit -qam "main moves on"
git push -q "$up" main
# GitHub's test merge of the pull request into its base
git merge -q --no-ff feature -m "Merge feature into main"
merge_sha=$(git rev-parse HEAD)
git push -q "$up" HEAD:refs/pull/1/merge
git reset -q --hard HEAD~1

want_row='| update | `FlinkDeployment/fraud-detector` | restarts from a savepoint |'

# ---- the sh recipe, in an ordinary clone of the pull request branch -----
git clone -q "file://$up" "$work/clone"
cd "$work/clone"
git checkout -q feature
bash -eo pipefail "$work/sh-plan" || fail "sh recipe failed"
grep -qF -- "$want_row" plan.md || fail "sh recipe: plan.md lacks the upgrade: $(cat plan.md)"
echo "ok: the pull-request recipe runs as written in a clone"

# ---- GitHub Actions: actions/checkout of the merge commit ---------------
depth=$(with_value "$work/github-actions-plan" fetch-depth 1)
ws=$work/github
mkdir -p "$ws" && cd "$ws"
git init -q
git remote add origin "file://$up"
git -c protocol.version=2 fetch -q --no-tags --prune --no-recurse-submodules \
	--depth="$depth" origin "+$merge_sha:refs/remotes/pull/1/merge"
git checkout -q --force refs/remotes/pull/1/merge
[[ $(git rev-parse --is-shallow-repository) == true ]] || fail "the GitHub clone is not shallow"
git symbolic-ref -q HEAD && fail "the GitHub clone's HEAD is not detached"
set +e
GITHUB_BASE_REF=main GITHUB_HEAD_REF=feature GITHUB_EVENT_NAME=pull_request \
	GITHUB_WORKSPACE=$ws bash --noprofile --norc -eo pipefail "$work/github-plan.sh" \
	>"$work/out" 2>"$work/err"
rc=$?
set -e
[[ $rc == 0 ]] || fail "GitHub plan step: exit $rc: $(cat "$work/out" "$work/err")"
grep -qF -- "$want_row" plan.md || fail "GitHub: plan.md lacks the upgrade: $(cat plan.md)"
grep -qF '`origin/main@' plan.md || fail "GitHub: plan.md does not name its base: $(cat plan.md)"
# the merge commit against its base: only the pull request's change
grep -qF '**0 to create, 1 to update, 0 to delete, 0 blocked**' plan.md ||
	fail "GitHub: plan.md shows more than the pull request: $(cat plan.md)"
echo "ok: the GitHub Actions plan runs as written (depth $depth, detached HEAD)"

# ---- GitLab CI: a merge request pipeline, fetch strategy ----------------
depth=$(with_value "$work/gitlab-ci-plan" GIT_DEPTH 20)
ws=$work/gitlab
mkdir -p "$ws" && cd "$ws"
git init -q
git remote add origin "file://$up"
git fetch -q origin --prune --depth "$depth" \
	"+refs/heads/feature:refs/remotes/origin/feature"
git checkout -f -q "$feature_sha"
[[ $(git rev-parse --is-shallow-repository) == true ]] || fail "the GitLab clone is not shallow"
{
	echo 'set -eo pipefail'
	cat "$work/gitlab-plan.sh"
} >"$work/gitlab-job.sh"
set +e
CI_PROJECT_DIR=$ws CI_PIPELINE_SOURCE=merge_request_event \
	CI_MERGE_REQUEST_TARGET_BRANCH_NAME=main CI_COMMIT_SHA=$feature_sha \
	bash --noprofile --norc "$work/gitlab-job.sh" >"$work/out" 2>"$work/err"
rc=$?
set -e
[[ $rc == 0 ]] || fail "GitLab job: exit $rc: $(cat "$work/out" "$work/err")"
grep -qF -- "$want_row" plan.md || fail "GitLab: plan.md lacks the upgrade: $(cat plan.md)"
echo "ok: the GitLab CI plan runs as written (depth $depth, detached HEAD)"

# ---- the deploy pipeline: sync and wait, against the control plane -----
ns=fg-readme-$$
dep=$work/deploy.git
git init -q --bare -b main "$dep"
git init -q -b main "$work/deploy-dev"
cd "$work/deploy-dev"
mkdir "$ns"
cat >flink-gitops.yaml <<EOF
apiVersion: flink-gitops.io/v1alpha1
kind: RepoConfig
name: readme-$$
policy: {createNamespace: true}
EOF
cat >"$ns/app.yaml" <<EOF
apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata:
  name: app
spec:
  image: flink:1.20
  flinkVersion: v1_20
  serviceAccount: flink
  jobManager: {resource: {memory: 2048m, cpu: 1}}
  taskManager: {resource: {memory: 2048m, cpu: 1}}
  job:
    jarURI: local:///opt/flink/examples/streaming/StateMachineExample.jar
    parallelism: 2
    upgradeMode: stateless
EOF
git add -A && git commit -qm deploy && git push -q "$dep" main
sha=$(git rev-parse HEAD)

# the stand-in operator: each FlinkDeployment of $ns STABLE and RUNNING
# for the generation it last saw, as the real one reports it
(
	while sleep 1; do
		for name in $(kc get -n "$ns" flinkdeployments -o name 2>/dev/null); do
			kc get -n "$ns" "$name" -o json | jq -c '{status: {
				lifecycleState: "STABLE",
				observedGeneration: .metadata.generation,
				jobManagerDeploymentStatus: "READY",
				jobStatus: {state: "RUNNING"},
				reconciliationStatus: {state: "DEPLOYED",
					lastReconciledSpec: ({spec: .spec,
						resource_metadata: {apiVersion: .apiVersion,
							firstDeployment: false}} | tojson),
					lastStableSpec: ({spec: .spec,
						resource_metadata: {apiVersion: .apiVersion,
							firstDeployment: false}} | tojson)}}}' \
				>"$work/status.json" 2>/dev/null || continue
			kc patch -n "$ns" "$name" --subresource=status --type=merge \
				--patch-file "$work/status.json" >/dev/null 2>&1 || true
		done
	done
) &
operator_pid=$!

ws=$work/deploy-ws
mkdir -p "$ws" && cd "$ws"
git init -q
git remote add origin "file://$dep"
git -c protocol.version=2 fetch -q --no-tags --prune --no-recurse-submodules \
	--depth=1 origin "+$sha:refs/remotes/origin/main"
git checkout -q --force -B main refs/remotes/origin/main
set +e
KUBECONFIG=$FG_K8S_KUBECONFIG GITHUB_REF=refs/heads/main GITHUB_SHA=$sha \
	bash --noprofile --norc -eo pipefail "$work/github-deploy.sh" \
	>"$work/out" 2>"$work/err"
rc=$?
set -e
[[ $rc == 0 ]] || fail "deploy step: exit $rc: $(cat "$work/out" "$work/err")"
grep -qF "$ns Namespace/$ns: create: creates the namespace (policy createNamespace)" "$work/out" ||
	fail "deploy: namespace not created: $(cat "$work/out")"
grep -qF "$ns FlinkDeployment/app: Healthy: stable" "$work/out" ||
	fail "deploy: no wait for health: $(cat "$work/out")"
grep -qF "waited" "$work/out" || fail "deploy: no wait summary: $(cat "$work/out")"
echo "ok: the deploy pipeline syncs and waits for the Flink job"

# ---- the saved-plan recipe ----------------------------------------------
# team-a is this test's (an earlier run on the same cluster left its own)
kc delete configmap -n team-a -l app.kubernetes.io/managed-by=flink-gitops \
	--ignore-not-found >/dev/null 2>&1 || true
mkdir -p "$work/saved" && cd "$work/saved"
git init -q -b main
cp "$work/deploy-dev/flink-gitops.yaml" .
mkdir team-a
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {v: "%s"}\n' $$ >team-a/settings.yaml
git add -A && git commit -qm saved
set +e
KUBECONFIG=$FG_K8S_KUBECONFIG bash -eo pipefail "$work/sh-saved-plan" >"$work/out" 2>"$work/err"
rc=$?
set -e
[[ $rc == 0 ]] || fail "saved-plan recipe: exit $rc: $(cat "$work/out" "$work/err")"
[[ $(kc get -n team-a configmap settings -o jsonpath='{.data.v}') == "$$" ]] ||
	fail "saved-plan recipe did not apply: $(cat "$work/out")"
echo "ok: the saved-plan recipe plans, then applies exactly that plan"
echo ok
