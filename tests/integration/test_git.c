/*
 * The Git source and write-back against real servers on loopback: git
 * daemon, git http-backend behind lighttpd over HTTPS with basic auth,
 * and sshd (tests/git/servers.sh, a CTest fixture). The test side uses
 * the real `git` and `ssh-keygen` to make commits, tags, force-pushes,
 * signatures and racing writers; the code under test uses only libgit2.
 *
 * usage: test_git SERVERS_ENV_FILE
 */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "agent/git/git.h"
#include "render/base/error.h"
#include "render/render.h"
#include "render/base/banned.h"

struct env {
	char root[512], repos[512], user[64];
	int git_port, https_port, ssh_port;
	char tmp[512];
};

static struct env E;
static int counter;

struct transport {
	const char *name;
};

static struct transport T_GIT = { "git" }, T_HTTPS = { "https" },
			T_SSH = { "ssh" }, T_FILE = { "file" };

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	struct fg_buf cmd = FG_BUF_INIT;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	fg_buf_vprintf(&cmd, fmt, ap);
	va_end(ap);
	rc = system(cmd.ptr);
	if (rc != 0)
		fprintf(stderr, "command failed (%d): %s\n", rc, cmd.ptr);
	fg_buf_release(&cmd);
	return rc;
}

/* First line of a command's output into `out`. */
static int capture(char *out, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int capture(char *out, size_t cap, const char *fmt, ...)
{
	struct fg_buf cmd = FG_BUF_INIT;
	va_list ap;
	FILE *p;
	int rc;

	va_start(ap, fmt);
	fg_buf_vprintf(&cmd, fmt, ap);
	va_end(ap);
	out[0] = '\0';
	if (!(p = popen(cmd.ptr, "r"))) {
		fg_buf_release(&cmd);
		return -1;
	}
	if (!fgets(out, (int)cap, p))
		out[0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	rc = pclose(p);
	fg_buf_release(&cmd);
	return rc;
}

static void load_env(const char *path)
{
	char line[1024];
	FILE *f = fopen(path, "r");

	if (!f) {
		fprintf(stderr, "cannot open %s: %s\n", path, strerror(errno));
		exit(1);
	}
	while (fgets(line, sizeof(line), f)) {
		char *eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq++ = '\0';
		eq[strcspn(eq, "\n")] = '\0';
		if (!strcmp(line, "ROOT"))
			snprintf(E.root, sizeof(E.root), "%s", eq);
		else if (!strcmp(line, "REPOS"))
			snprintf(E.repos, sizeof(E.repos), "%s", eq);
		else if (!strcmp(line, "SSH_USER"))
			snprintf(E.user, sizeof(E.user), "%s", eq);
		else if (!strcmp(line, "GIT_PORT"))
			E.git_port = (int)strtol(eq, NULL, 10);
		else if (!strcmp(line, "HTTPS_PORT"))
			E.https_port = (int)strtol(eq, NULL, 10);
		else if (!strcmp(line, "SSH_PORT"))
			E.ssh_port = (int)strtol(eq, NULL, 10);
	}
	fclose(f);
}

/* A new bare repository on the servers, and a work tree to fill it. */
static void new_repo(char *name, size_t cap, const char *what)
{
	snprintf(name, cap, "%s-%d-%d", what, (int)getpid(), ++counter);
	assert_int_equal(sh("git init -q --bare -b main %s/%s.git && "
			    "git init -q -b main %s/%s",
			    E.repos, name, E.tmp, name),
			 0);
}

/* Commit FILE=TEXT in the work tree and push it (test side, file://). */
static void commit_push(const char *name, const char *file, const char *text,
			const char *extra)
{
	assert_int_equal(sh("cd %s/%s && mkdir -p \"$(dirname %s)\" && "
			    "printf '%%s\\n' '%s' > %s && git add -A && "
			    "git commit -q %s -m 'set %s' && "
			    "git push -q %s file://%s/%s.git HEAD:main",
			    E.tmp, name, file, text, file, extra ? extra : "",
			    file, extra && strstr(extra, "amend") ? "-f" : "",
			    E.repos, name),
			 0);
}

static void rev(const char *name, const char *what, char out[41])
{
	char buf[128];

	assert_int_equal(capture(buf, sizeof(buf),
				 "git --git-dir=%s/%s.git rev-parse %s",
				 E.repos, name, what),
			 0);
	assert_int_equal(strlen(buf), 40);
	memcpy(out, buf, 41);
}

static void fill_opts(const struct transport *t, const char *name,
		      struct fg_git_opts *o, struct fg_buf *url,
		      struct fg_buf *cache)
{
	memset(o, 0, sizeof(*o));
	fg_buf_clear(url);
	fg_buf_clear(cache);
	if (!strcmp(t->name, "git")) {
		fg_buf_printf(url, "git://127.0.0.1:%d/%s.git", E.git_port,
			      name);
	} else if (!strcmp(t->name, "file")) {
		fg_buf_printf(url, "file://%s/%s.git", E.repos, name);
	} else if (!strcmp(t->name, "https")) {
		/* a DNS name: libgit2 1.5 cannot match IP certificates */
		fg_buf_printf(url, "https://localhost:%d/git/%s.git",
			      E.https_port, name);
		o->username = "agent";
	} else {
		fg_buf_printf(url, "ssh://%s@127.0.0.1:%d%s/%s.git", E.user,
			      E.ssh_port, E.repos, name);
	}
	fg_buf_printf(cache, "%s/cache-%s-%d", E.tmp, name, ++counter);
	o->url = url->ptr;
	o->cache_dir = cache->ptr;
	o->timeout_ms = 20000;
	o->ca_file = NULL;
	if (!strcmp(t->name, "https")) {
		static char ca[600], pw[600];
		snprintf(ca, sizeof(ca), "%s/ca/ca.pem", E.root);
		snprintf(pw, sizeof(pw), "%s/http/password", E.root);
		o->ca_file = ca;
		o->password_file = pw;
	}
	if (!strcmp(t->name, "ssh")) {
		static char key[600], kh[600];
		snprintf(key, sizeof(key), "%s/ssh/client", E.root);
		snprintf(kh, sizeof(kh), "%s/ssh/known_hosts", E.root);
		o->ssh_key_file = key;
		o->known_hosts = kh;
	}
}

/* clone, incremental fetch, force-push, tag and commit-id refs */
static void
test_git__fetch_follows_branch_tag_commit_and_force_push(void **state)
{
	const struct transport *t = *state;
	struct fg_buf url = FG_BUF_INIT, cache = FG_BUF_INIT,
		      data = FG_BUF_INIT;
	struct fg_git_mirror *m = NULL;
	struct fg_git_rev r;
	struct fg_git_opts o;
	struct fg_source *src = NULL;
	struct fg_diags diags = { 0 };
	char name[128], c1[41], c2[41], c3[41], hex[41];
	char **paths = NULL;
	size_t n = 0;

	new_repo(name, sizeof(name), t->name);
	commit_push(name, "ns/a.yaml", "one", NULL);
	rev(name, "main", c1);
	assert_int_equal(sh("cd %s/%s && git tag v1 && git push -q "
			    "file://%s/%s.git v1",
			    E.tmp, name, E.repos, name),
			 0);
	fill_opts(t, name, &o, &url, &cache);
	assert_int_equal(fg_git_mirror_open(&m, &o), 0);
	assert_int_equal(fg_git_update(m, "main", FG_GIT_VERIFY_NONE, NULL, &r),
			 0);
	assert_string_equal(r.commit, c1);

	/* a new commit: fetched incrementally */
	commit_push(name, "ns/b.yaml", "two", NULL);
	rev(name, "main", c2);
	assert_int_equal(fg_git_update(m, "main", FG_GIT_VERIFY_NONE, NULL, &r),
			 0);
	assert_string_equal(r.commit, c2);

	/* history rewritten and force-pushed: followed */
	commit_push(name, "ns/b.yaml", "rewritten", "--amend");
	rev(name, "main", c3);
	assert_string_not_equal(c2, c3);
	assert_int_equal(fg_git_update(m, "main", FG_GIT_VERIFY_NONE, NULL, &r),
			 0);
	assert_string_equal(r.commit, c3);

	/* tag and full commit id */
	assert_int_equal(fg_git_resolve(m, "v1", hex), 0);
	assert_string_equal(hex, c1);
	assert_int_equal(fg_git_resolve(m, c1, hex), 0);
	assert_string_equal(hex, c1);
	assert_int_equal(fg_git_resolve(m, "no-such-branch", hex),
			 FG_ENOTFOUND);
	assert_non_null(strstr(fg_error_last(), "no-such-branch"));

	/* the tree of the commit, no checkout */
	assert_int_equal(fg_git_source_new(&src, m, c3), 0);
	assert_int_equal(fg_source_list(src, "", &paths, &n, &diags), 0);
	assert_int_equal(n, 2);
	assert_string_equal(paths[0], "ns/a.yaml");
	assert_string_equal(paths[1], "ns/b.yaml");
	assert_int_equal(fg_source_read(src, "ns/b.yaml", &data), 0);
	assert_string_equal(data.ptr, "rewritten\n");
	fg_source_paths_free(paths, n);
	fg_source_free(src);
	fg_git_mirror_free(m);

	/* a second agent run reuses the mirror */
	assert_int_equal(fg_git_mirror_open(&m, &o), 0);
	assert_int_equal(fg_git_update(m, "main", FG_GIT_VERIFY_NONE, NULL, &r),
			 0);
	assert_string_equal(r.commit, c3);
	fg_git_mirror_free(m);
	fg_buf_release(&url);
	fg_buf_release(&cache);
	fg_buf_release(&data);
	fg_diags_release(&diags);
}

/* --ref and --base as `git rev-parse` reads them, on every transport */
static void test_git__revisions_as_git_users_write_them(void **state)
{
	const struct transport *t = *state;
	struct fg_buf url = FG_BUF_INIT, cache = FG_BUF_INIT;
	struct fg_git_mirror *m = NULL;
	struct fg_git_rev r;
	struct fg_git_opts o;
	char name[128], c1[41], c2[41], c3[41], hex[41], shortid[8];

	new_repo(name, sizeof(name), t->name);
	commit_push(name, "ns/a.yaml", "one", NULL);
	commit_push(name, "ns/a.yaml", "two", NULL);
	commit_push(name, "ns/a.yaml", "three", NULL);
	rev(name, "main~2", c1);
	rev(name, "main~1", c2);
	rev(name, "main", c3);
	fill_opts(t, name, &o, &url, &cache);
	assert_int_equal(fg_git_mirror_open(&m, &o), 0);
	/* HEAD is the remote's HEAD */
	assert_int_equal(fg_git_update(m, "HEAD", FG_GIT_VERIFY_NONE, NULL, &r),
			 0);
	assert_string_equal(r.commit, c3);
	assert_int_equal(fg_git_resolve(m, "HEAD~1", hex), 0);
	assert_string_equal(hex, c2);
	assert_int_equal(fg_git_resolve(m, "main^^", hex), 0);
	assert_string_equal(hex, c1);
	assert_int_equal(fg_git_resolve(m, "HEAD~2", hex), 0);
	assert_string_equal(hex, c1);
	snprintf(shortid, sizeof(shortid), "%.7s", c2);
	assert_int_equal(fg_git_resolve(m, shortid, hex), 0);
	assert_string_equal(hex, c2);
	/* a server keeps no remote-tracking refs: origin/main is its main */
	assert_int_equal(fg_git_resolve(m, "origin/main", hex), 0);
	assert_string_equal(hex, c3);
	assert_int_equal(fg_git_resolve(m, "refs/heads/main", hex), 0);
	assert_string_equal(hex, c3);
	assert_int_equal(fg_git_resolve(m, "main~9", hex), FG_ENOTFOUND);
	assert_non_null(strstr(fg_error_last(), "unknown ref 'main~9'"));
	/* what `git describe` prints names its commit by id */
	snprintf(name, sizeof(name), "v1.0-2-g%.7s", c2);
	assert_int_equal(fg_git_resolve(m, name, hex), 0);
	assert_string_equal(hex, c2);
	/* names that hold "-g" but are no describe output (under ASan: no
	   leak, which libgit2 1.5's own reading has) */
	assert_int_equal(fg_git_resolve(m, "flink-gitops/status", hex),
			 FG_ENOTFOUND);
	assert_int_equal(fg_git_resolve(m, "feature-gate~1", hex),
			 FG_ENOTFOUND);
	fg_git_mirror_free(m);
	fg_buf_release(&url);
	fg_buf_release(&cache);
}

/*
 * A CI job's clone (shallow, detached HEAD at a commit of its own) read
 * over file://, as the README's pipelines do: HEAD is the clone's HEAD,
 * origin/main its remote-tracking ref, and only what the depth holds
 * can be walked.
 */
static void test_git__a_shallow_detached_clone_reads_in_place(void **state)
{
	struct fg_buf url = FG_BUF_INIT, cache = FG_BUF_INIT,
		      data = FG_BUF_INIT;
	struct fg_git_mirror *m = NULL;
	struct fg_source *src = NULL;
	struct fg_git_opts o;
	struct fg_git_rev r;
	char name[128], c2[41], c3[41], head[41], hex[41], clone[1200];

	new_repo(name, sizeof(name), "shallow");
	commit_push(name, "ns/a.yaml", "one", NULL);
	commit_push(name, "ns/a.yaml", "two", NULL);
	commit_push(name, "ns/a.yaml", "three", NULL);
	rev(name, "main~1", c2);
	rev(name, "main", c3);
	snprintf(clone, sizeof(clone), "%s/%s-ci", E.tmp, name);
	assert_int_equal(sh("git clone -q --depth=1 file://%s/%s.git %s && "
			    "cd %s && git checkout -q --detach && "
			    "printf 'pr\\n' > ns/a.yaml && "
			    "git commit -qam pr",
			    E.repos, name, clone, clone),
			 0);
	assert_int_equal(
		capture(head, sizeof(head), "git -C %s rev-parse HEAD", clone),
		0);
	memset(&o, 0, sizeof(o));
	fg_buf_printf(&url, "file://%s", clone);
	fg_buf_printf(&cache, "%s/cache-%s", E.tmp, name);
	o.url = url.ptr;
	o.cache_dir = cache.ptr;
	assert_int_equal(fg_git_mirror_open(&m, &o), 0);
	assert_int_equal(fg_git_update(m, "HEAD", FG_GIT_VERIFY_NONE, NULL, &r),
			 0);
	assert_string_equal(r.commit, head);
	assert_int_equal(fg_git_resolve(m, "origin/main", hex), 0);
	assert_string_equal(hex, c3);
	assert_int_equal(fg_git_resolve(m, "HEAD~1", hex), 0);
	assert_string_equal(hex, c3);
	/* depth 1: main's parent was never fetched */
	assert_int_equal(fg_git_resolve(m, "origin/main~1", hex), FG_ENOTFOUND);
	assert_non_null(strstr(fg_error_last(), "shallow clone"));
	(void)c2;
	/* the trees are read in place */
	assert_int_equal(fg_git_source_new(&src, m, head), 0);
	assert_int_equal(fg_source_read(src, "ns/a.yaml", &data), 0);
	assert_string_equal(data.ptr, "pr\n");
	fg_source_free(src);
	fg_git_mirror_free(m);
	fg_buf_release(&url);
	fg_buf_release(&cache);
	fg_buf_release(&data);
}

static void test_git__wrong_credentials_refused(void **state)
{
	const struct transport *t = *state;
	struct fg_buf url = FG_BUF_INIT, cache = FG_BUF_INIT;
	struct fg_git_mirror *m = NULL;
	struct fg_git_opts o;
	char name[128], bad[600];

	new_repo(name, sizeof(name), t->name);
	commit_push(name, "a.yaml", "x", NULL);
	fill_opts(t, name, &o, &url, &cache);
	if (!strcmp(t->name, "https")) {
		snprintf(bad, sizeof(bad), "%s/http/wrong-password", E.root);
		o.password_file = bad;
	} else if (!strcmp(t->name, "ssh")) {
		snprintf(bad, sizeof(bad), "%s/ssh/stranger", E.root);
		o.ssh_key_file = bad;
	} else {
		/* git:// has no credentials: a wrong port is unreachable */
		fg_buf_clear(&url);
		fg_buf_printf(&url, "git://127.0.0.1:1/%s.git", name);
		o.url = url.ptr;
		assert_int_equal(fg_git_mirror_open(&m, &o), 0);
		assert_int_equal(fg_git_fetch(m), FG_ERROR);
		assert_non_null(strstr(fg_error_last(), "cannot reach"));
		goto done;
	}
	assert_int_equal(fg_git_mirror_open(&m, &o), 0);
	assert_int_equal(fg_git_fetch(m), FG_EAUTH);
	assert_non_null(strstr(fg_error_last(), "authentication refused"));
	assert_non_null(strstr(fg_error_last(), name));
	assert_null(strstr(fg_error_last(), "wrong-pass"));
done:
	fg_git_mirror_free(m);
	fg_buf_release(&url);
	fg_buf_release(&cache);
}

static void test_git__ssh_host_key_unknown_or_changed_refused(void **state)
{
	struct fg_buf url = FG_BUF_INIT, cache = FG_BUF_INIT;
	struct fg_git_mirror *m = NULL;
	struct fg_git_opts o;
	char name[128], kh[600], fp[128];
	const char *which[] = { "known_hosts.empty", "known_hosts.changed" };
	size_t i;

	(void)state;
	new_repo(name, sizeof(name), "hostkey");
	commit_push(name, "a.yaml", "x", NULL);
	assert_int_equal(capture(fp, sizeof(fp),
				 "ssh-keygen -lf %s/ssh/host_ed25519.pub | "
				 "cut -d' ' -f2",
				 E.root),
			 0);
	for (i = 0; i < 2; i++) {
		fill_opts(&T_SSH, name, &o, &url, &cache);
		snprintf(kh, sizeof(kh), "%s/ssh/%s", E.root, which[i]);
		o.known_hosts = kh;
		assert_int_equal(fg_git_mirror_open(&m, &o), 0);
		assert_int_equal(fg_git_fetch(m), FG_EAUTH);
		assert_non_null(
			strstr(fg_error_last(),
			       i ? "host key mismatch" : "unknown host key"));
		assert_non_null(strstr(fg_error_last(), fp));
		assert_non_null(strstr(fg_error_last(), "127.0.0.1"));
		fg_git_mirror_free(m);
	}
	fg_buf_release(&url);
	fg_buf_release(&cache);
}

struct race {
	const char *name;
};

/* Another writer pushes to the status branch just before our push. */
static void race_hook(void *arg, int attempt)
{
	struct race *r = arg;

	if (attempt != 1)
		return;
	assert_int_equal(
		sh("set -e; d=%s/%s-other; rm -rf $d; "
		   "git clone -q file://%s/%s.git $d 2>/dev/null; cd $d; "
		   "(git checkout -q flink-gitops/status 2>/dev/null || "
		   "git checkout -q --orphan flink-gitops/status); "
		   "git rm -rqf --ignore-unmatch . ; mkdir -p reports; "
		   "git checkout -q origin/flink-gitops/status -- . "
		   "2>/dev/null || true; echo theirs > reports/other.txt; "
		   "git add -A; git commit -qm other; "
		   "git push -q origin flink-gitops/status",
		   E.tmp, r->name, E.repos, r->name),
		0);
}

static void test_git__write_back_survives_a_racing_writer(void **state)
{
	const struct transport *t = *state;
	struct fg_buf url = FG_BUF_INIT, cache = FG_BUF_INIT;
	struct fg_git_mirror *m = NULL;
	struct fg_git_opts o;
	struct fg_git_commit_opts co;
	struct fg_git_file f = { "reports/agent.txt", "ours\n", 5 };
	struct race race;
	char name[128], hex[41], tip[41], out[256];
	int changed, i;
	pid_t kids[2];

	new_repo(name, sizeof(name), t->name);
	commit_push(name, "a.yaml", "x", NULL);
	fill_opts(t, name, &o, &url, &cache);
	assert_int_equal(fg_git_mirror_open(&m, &o), 0);
	memset(&co, 0, sizeof(co));
	co.author_name = "agent";
	co.author_email = "agent@example.com";
	co.message = "status\n";
	race.name = name;
	co.before_push = race_hook;
	co.arg = &race;
	assert_int_equal(fg_git_write_files(m, &co, &f, 1, hex, &changed), 0);
	assert_int_equal(changed, 1);
	rev(name, "flink-gitops/status", tip);
	assert_string_equal(hex, tip);
	assert_int_equal(sh("git --git-dir=%s/%s.git cat-file -e "
			    "flink-gitops/status:reports/agent.txt && "
			    "git --git-dir=%s/%s.git cat-file -e "
			    "flink-gitops/status:reports/other.txt",
			    E.repos, name, E.repos, name),
			 0);

	/* the same content again: no commit */
	co.before_push = NULL;
	assert_int_equal(fg_git_write_files(m, &co, &f, 1, hex, &changed), 0);
	assert_int_equal(changed, 0);
	assert_string_equal(hex, tip);

	/* a note on the source commit, pushed */
	rev(name, "main", tip);
	assert_int_equal(fg_git_note_add(m, tip, "applied: ok\n", &co), 0);
	assert_int_equal(capture(out, sizeof(out),
				 "git --git-dir=%s/%s.git notes "
				 "--ref=flink-gitops show %s",
				 E.repos, name, tip),
			 0);
	assert_string_equal(out, "applied: ok");
	fg_git_mirror_free(m);

	/* two agents at once, each with its own mirror: nothing lost */
	for (i = 0; i < 2; i++) {
		if ((kids[i] = fork()) == 0) {
			struct fg_buf u2 = FG_BUF_INIT, c2 = FG_BUF_INIT,
				      p = FG_BUF_INIT;
			struct fg_git_opts o2;
			int k, ok = 1;

			fill_opts(t, name, &o2, &u2, &c2);
			fg_buf_printf(&c2, "-writer%d", i); /* own mirror */
			o2.cache_dir = c2.ptr;
			if (fg_git_mirror_open(&m, &o2) < 0)
				_exit(1);
			for (k = 0; k < 3; k++) {
				struct fg_git_file g;
				fg_buf_clear(&p);
				fg_buf_printf(&p, "reports/w%d-%d.txt", i, k);
				g.path = p.ptr;
				g.data = p.ptr;
				g.len = p.len;
				if (fg_git_write_files(m, &co, &g, 1, hex,
						       &changed) < 0) {
					fprintf(stderr, "writer %d: %s\n", i,
						fg_error_last());
					ok = 0;
				}
			}
			fg_git_mirror_free(m);
			_exit(ok ? 0 : 1);
		}
	}
	for (i = 0; i < 2; i++) {
		int st;
		assert_int_equal(waitpid(kids[i], &st, 0), kids[i]);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	assert_int_equal(capture(out, sizeof(out),
				 "git --git-dir=%s/%s.git ls-tree -r "
				 "--name-only flink-gitops/status | wc -l",
				 E.repos, name),
			 0);
	assert_int_equal(strtol(out, NULL, 10), 8); /* 6 + agent + other */
	fg_buf_release(&url);
	fg_buf_release(&cache);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A server that accepts TCP connections and never says a word. */
static void test_git__silent_server_times_out(void **state)
{
	const struct transport *t = *state;
	struct fg_buf url = FG_BUF_INIT, cache = FG_BUF_INIT;
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	struct fg_git_mirror *m = NULL;
	struct fg_git_opts o;
	int64_t t0, ms;
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 16), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	port = ntohs(sa.sin_port);
	fill_opts(t, "silent", &o, &url, &cache);
	fg_buf_clear(&url);
	if (!strcmp(t->name, "git"))
		fg_buf_printf(&url, "git://127.0.0.1:%d/x.git", port);
	else if (!strcmp(t->name, "https"))
		fg_buf_printf(&url, "https://localhost:%d/git/x.git", port);
	else
		fg_buf_printf(&url, "ssh://%s@127.0.0.1:%d/x.git", E.user,
			      port);
	o.url = url.ptr;
	o.timeout_ms = 2000;
	assert_int_equal(fg_git_mirror_open(&m, &o), 0);
	t0 = now_ms();
	assert_int_equal(fg_git_fetch(m), FG_ETIMEOUT);
	ms = now_ms() - t0;
	printf("silent %s server: fetch failed after %lld ms (timeout 2000 "
	       "ms)\n",
	       t->name, (long long)ms);
	assert_true(ms >= 1900 && ms <= 3000);
	assert_non_null(strstr(fg_error_last(), "timed out"));
	fg_git_mirror_free(m);
	close(fd);
	fg_buf_release(&url);
	fg_buf_release(&cache);
}

/* ---- signatures: real ssh-keygen, real `git commit -S` ---- */

static void signed_commit(const char *name, const char *file, const char *key)
{
	assert_int_equal(sh("cd %s/%s && echo %s > %s && git add -A && "
			    "git -c gpg.format=ssh -c user.signingkey=%s "
			    "commit -q %s -m 'change %s' && git push -q "
			    "file://%s/%s.git HEAD:main",
			    E.tmp, name, file, file, key ? key : "",
			    key ? "-S" : "", file, E.repos, name),
			 0);
}

static void test_git__signature_policy_head(void **state)
{
	struct fg_buf url = FG_BUF_INIT, cache = FG_BUF_INIT, who = FG_BUF_INIT;
	struct fg_allowed_signers *as = NULL;
	struct fg_git_mirror *m = NULL;
	struct fg_git_rev r;
	struct fg_git_opts o;
	char name[128], good[41], key[600], stranger[600], signers[600],
		forged[128];

	(void)state;
	snprintf(key, sizeof(key), "%s/signer", E.tmp);
	snprintf(stranger, sizeof(stranger), "%s/stranger-signer", E.tmp);
	snprintf(signers, sizeof(signers), "%s/allowed_signers", E.tmp);
	assert_int_equal(
		sh("[ -f %s ] || ssh-keygen -q -t ed25519 -N '' -f "
		   "%s; [ -f %s ] || ssh-keygen -q -t ed25519 -N '' "
		   "-f %s; echo \"dev@example.com namespaces=\\\"git\\\" "
		   "$(cut -d' ' -f1,2 %s.pub)\" > %s",
		   key, key, stranger, stranger, key, signers),
		0);
	assert_int_equal(fg_allowed_signers_load(&as, signers), 0);
	new_repo(name, sizeof(name), "signed");
	signed_commit(name, "a.yaml", key);
	rev(name, "main", good);
	fill_opts(&T_GIT, name, &o, &url, &cache);
	assert_int_equal(fg_git_mirror_open(&m, &o), 0);
	assert_int_equal(fg_git_update(m, "main", FG_GIT_VERIFY_HEAD, as, &r),
			 0);
	assert_string_equal(r.commit, good);
	assert_int_equal(r.refused, 0);

	/* unsigned: refused, the last verified commit stays in force */
	signed_commit(name, "b.yaml", NULL);
	assert_int_equal(fg_git_update(m, "main", FG_GIT_VERIFY_HEAD, as, &r),
			 FG_EAUTH);
	assert_non_null(strstr(fg_error_last(), "is not signed"));
	assert_true(r.refused);
	assert_string_equal(r.commit, good);

	/* signed by a key allowed_signers does not list */
	signed_commit(name, "c.yaml", stranger);
	assert_int_equal(fg_git_update(m, "main", FG_GIT_VERIFY_HEAD, as, &r),
			 FG_EAUTH);
	assert_non_null(strstr(fg_error_last(), "does not list"));
	assert_string_equal(r.commit, good);

	/* a good signature copied onto changed content */
	signed_commit(name, "d.yaml", key);
	assert_int_equal(
		capture(forged, sizeof(forged),
			"cd %s/%s && git cat-file commit HEAD | "
			"sed 's/^change d.yaml$/change d.yaml (evil)/' | "
			"git hash-object -t commit -w --stdin",
			E.tmp, name),
		0);
	assert_int_equal(sh("cd %s/%s && git push -qf file://%s/%s.git "
			    "%s:refs/heads/main",
			    E.tmp, name, E.repos, name, forged),
			 0);
	assert_int_equal(fg_git_update(m, "main", FG_GIT_VERIFY_HEAD, as, &r),
			 FG_EAUTH);
	assert_non_null(strstr(fg_error_last(), "bad signature"));
	assert_string_equal(r.commit, good);

	/* signed again: accepted, and it becomes the one in force */
	assert_int_equal(
		sh("cd %s/%s && git reset -q --hard %s", E.tmp, name, forged),
		0);
	signed_commit(name, "e.yaml", key);
	rev(name, "main", good);
	assert_int_equal(fg_git_update(m, "main", FG_GIT_VERIFY_HEAD, as, &r),
			 0);
	assert_string_equal(r.commit, good);
	assert_int_equal(fg_git_verify_commit(m, good, as, &who), 0);
	assert_non_null(strstr(who.ptr, "dev@example.com"));
	fg_git_mirror_free(m);
	fg_allowed_signers_free(as);
	fg_buf_release(&url);
	fg_buf_release(&cache);
	fg_buf_release(&who);
}

/* Commits the agent signs verify with git verify-commit. */
static void test_git__agent_signed_commits_verify_with_git(void **state)
{
	struct fg_buf url = FG_BUF_INIT, cache = FG_BUF_INIT, pub = FG_BUF_INIT;
	struct fg_ssh_key *k = NULL;
	struct fg_git_mirror *m = NULL;
	struct fg_git_opts o;
	struct fg_git_commit_opts co;
	struct fg_git_file f = { "status.json", "{}\n", 3 };
	char name[128], key[600], hex[41];
	int changed;

	(void)state;
	snprintf(key, sizeof(key), "%s/agent-key", E.tmp);
	assert_int_equal(sh("rm -f %s %s.pub; ssh-keygen -q -t ed25519 -N '' "
			    "-C agent -f %s",
			    key, key, key),
			 0);
	assert_int_equal(fg_ssh_key_load(&k, key), 0);
	assert_int_equal(fg_ssh_key_public(k, &pub), 0);
	assert_int_equal(sh("echo \"agent@example.com %s\" > %s/agent_signers",
			    pub.ptr, E.tmp),
			 0);
	new_repo(name, sizeof(name), "agent-signed");
	commit_push(name, "a.yaml", "x", NULL);
	fill_opts(&T_SSH, name, &o, &url, &cache);
	assert_int_equal(fg_git_mirror_open(&m, &o), 0);
	memset(&co, 0, sizeof(co));
	co.author_name = "flink-gitops";
	co.author_email = "agent@example.com";
	co.message = "signed status\n";
	co.signer = k;
	assert_int_equal(fg_git_write_files(m, &co, &f, 1, hex, &changed), 0);
	assert_int_equal(changed, 1);
	assert_int_equal(sh("git --git-dir=%s/%s.git -c gpg.format=ssh "
			    "-c gpg.ssh.allowedSignersFile=%s/agent_signers "
			    "verify-commit %s 2>/dev/null",
			    E.repos, name, E.tmp, hex),
			 0);
	fg_git_mirror_free(m);
	fg_ssh_key_free(k);
	fg_buf_release(&url);
	fg_buf_release(&cache);
	fg_buf_release(&pub);
}

/* Render straight from a commit tree gives the source annotation. */
static void test_git__render_from_tree_annotates_url_at_commit(void **state)
{
	struct fg_buf url = FG_BUF_INIT, cache = FG_BUF_INIT,
		      origin = FG_BUF_INIT;
	struct fg_git_mirror *m = NULL;
	struct fg_source *src = NULL;
	struct fg_desired *d = NULL;
	struct fg_render_opts ro;
	struct fg_git_rev r;
	struct fg_git_opts o;
	char name[128];
	const char *ann;

	(void)state;
	new_repo(name, sizeof(name), "render");
	assert_int_equal(sh("cp -r %s/. %s/%s/ && cd %s/%s && git add -A && "
			    "git commit -qm example && git push -q "
			    "file://%s/%s.git HEAD:main",
			    FG_EXAMPLE_DIR, E.tmp, name, E.tmp, name, E.repos,
			    name),
			 0);
	fill_opts(&T_HTTPS, name, &o, &url, &cache);
	assert_int_equal(fg_git_mirror_open(&m, &o), 0);
	assert_int_equal(fg_git_update(m, "main", FG_GIT_VERIFY_NONE, NULL, &r),
			 0);
	assert_int_equal(fg_git_source_new(&src, m, r.commit), 0);
	fg_buf_printf(&origin, "%s@%s", fg_git_mirror_url(m), r.commit);
	memset(&ro, 0, sizeof(ro));
	ro.path = "";
	ro.origin = origin.ptr;
	assert_int_equal(fg_render(&d, src, &ro), 0);
	assert_int_equal(fg_diags_errors(&d->diags), 0);
	assert_true(d->nns > 0 && d->ns[0].n > 0);
	ann = json_string_value(json_object_get(
		json_object_get(
			json_object_get(d->ns[0].objs[0].obj, "metadata"),
			"annotations"),
		FG_ANNOTATION_SOURCE));
	assert_non_null(ann);
	assert_int_equal(strncmp(ann, origin.ptr, origin.len), 0);
	assert_int_equal(ann[origin.len], ':');
	fg_desired_free(d);
	fg_source_free(src);
	fg_git_mirror_free(m);
	fg_buf_release(&url);
	fg_buf_release(&cache);
	fg_buf_release(&origin);
}

#define PER_TRANSPORT(fn)                                \
	cmocka_unit_test_prestate(fn, &T_GIT),           \
		cmocka_unit_test_prestate(fn, &T_HTTPS), \
		cmocka_unit_test_prestate(fn, &T_SSH)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		PER_TRANSPORT(
			test_git__fetch_follows_branch_tag_commit_and_force_push),
		cmocka_unit_test_prestate(
			test_git__fetch_follows_branch_tag_commit_and_force_push,
			&T_FILE),
		PER_TRANSPORT(test_git__revisions_as_git_users_write_them),
		cmocka_unit_test_prestate(
			test_git__revisions_as_git_users_write_them, &T_FILE),
		cmocka_unit_test(
			test_git__a_shallow_detached_clone_reads_in_place),
		PER_TRANSPORT(test_git__wrong_credentials_refused),
		cmocka_unit_test(
			test_git__ssh_host_key_unknown_or_changed_refused),
		PER_TRANSPORT(test_git__write_back_survives_a_racing_writer),
		PER_TRANSPORT(test_git__silent_server_times_out),
		cmocka_unit_test(test_git__signature_policy_head),
		cmocka_unit_test(
			test_git__agent_signed_commits_verify_with_git),
		cmocka_unit_test(
			test_git__render_from_tree_annotates_url_at_commit),
	};
	char tmpl[] = "/tmp/fg-test-git-XXXXXX";
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: test_git SERVERS_ENV\n");
		return 2;
	}
	if (sodium_init() < 0)
		return 2;
	load_env(argv[1]);
	if (!mkdtemp(tmpl))
		return 2;
	snprintf(E.tmp, sizeof(E.tmp), "%s", tmpl);
	/* the test side's git: no user config, a fixed identity */
	setenv("HOME", E.tmp, 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_AUTHOR_NAME", "dev", 1);
	setenv("GIT_AUTHOR_EMAIL", "dev@example.com", 1);
	setenv("GIT_COMMITTER_NAME", "dev", 1);
	setenv("GIT_COMMITTER_EMAIL", "dev@example.com", 1);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	if (rc == 0)
		sh("rm -rf %s", E.tmp);
	return rc;
}
