/*
 * The mirror: one bare repository per source URL under the cache folder,
 * locked against other processes, plus ref resolution and the signature
 * policy.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2.h>
#include <sodium.h>

#include "agent/git/git_int.h"
#include "agent/log.h"
#include "render/base/error.h"
#include "render/base/banned.h"

#define VERIFIED_PREFIX "refs/flink-gitops/verified/"

int fg_git_error(int code, const char *what)
{
	const git_error *e = git_error_last();

	return fg_error_set(code, "%s: %s", what,
			    e && e->message ? e->message : "unknown error");
}

int fg_git_default_cache_dir(struct fg_buf *out)
{
	const char *x = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");

	if (x && *x == '/')
		return fg_buf_printf(out, "%s/flink-gitops/git", x);
	if (!home || !*home)
		return fg_error_set(FG_EINVALID,
				    "no cache folder: set --cache-dir, "
				    "XDG_CACHE_HOME or HOME");
	return fg_buf_printf(out, "%s/.cache/flink-gitops/git", home);
}

/* scheme://[user[:password]@]host[:port]/path; scp-like user@host:path */
static const char *authority(const char *url, size_t *len)
{
	const char *p = strstr(url, "://");

	if (!p)
		return NULL;
	p += 3;
	*len = strcspn(p, "/?#");
	return p;
}

int fg_git_url_strip(struct fg_buf *out, const char *url)
{
	size_t alen;
	const char *a = authority(url, &alen), *at;

	if (!a || !(at = memchr(a, '@', alen)))
		return fg_buf_puts(out, url);
	/* ssh://user@host: the user is no secret and names the account */
	if (!strncmp(url, "ssh://", 6) && !memchr(a, ':', (size_t)(at - a)))
		return fg_buf_puts(out, url);
	if (fg_buf_add(out, url, (size_t)(a - url)) < 0)
		return FG_ERROR;
	return fg_buf_puts(out, at + 1);
}

/* "host" for port 22 (or none), else "[host]:port": known_hosts' form. */
static int host_port(struct fg_buf *out, const char *url)
{
	size_t alen, hlen;
	const char *a = authority(url, &alen), *at, *h, *colon;

	if (!a) { /* scp-like: [user@]host:path */
		const char *c = strchr(url, ':');
		at = memchr(url, '@', c ? (size_t)(c - url) : 0);
		h = at ? at + 1 : url;
		return fg_buf_add(out, h, c ? (size_t)(c - h) : strlen(h));
	}
	at = memchr(a, '@', alen);
	h = at ? at + 1 : a;
	hlen = alen - (size_t)(h - a);
	if (*h == '[') {
		const char *rb = memchr(h, ']', hlen);
		if (!rb)
			return fg_buf_add(out, h, hlen);
		colon = rb + 1 < h + hlen && rb[1] == ':' ? rb + 1 : NULL;
		if (!colon ||
		    (h + hlen - colon - 1 == 2 && !memcmp(colon + 1, "22", 2)))
			return fg_buf_add(out, h + 1, (size_t)(rb - h - 1));
		return fg_buf_add(out, h, hlen);
	}
	colon = memchr(h, ':', hlen);
	if (!colon ||
	    (h + hlen - colon - 1 == 2 && !memcmp(colon + 1, "22", 2)))
		return fg_buf_add(out, h, colon ? (size_t)(colon - h) : hlen);
	return fg_buf_printf(out, "[%.*s]:%.*s", (int)(colon - h), h,
			     (int)(h + hlen - colon - 1), colon + 1);
}

static int mkdir_p(const char *path)
{
	struct fg_buf b = FG_BUF_INIT;
	size_t i;
	int err = 0;

	if ((err = fg_buf_puts(&b, path)) < 0)
		return err;
	for (i = 1; i <= b.len && !err; i++) {
		if (b.ptr[i] != '/' && b.ptr[i] != '\0')
			continue;
		b.ptr[i] = '\0';
		if (mkdir(b.ptr, 0700) < 0 && errno != EEXIST)
			err = fg_error_set_errno(FG_ERROR, errno,
						 "cannot create cache folder "
						 "'%s'",
						 b.ptr);
		if (i < b.len)
			b.ptr[i] = '/';
	}
	fg_buf_release(&b);
	return err;
}

/* A secret file: one line, trailing whitespace dropped, sodium memory. */
static int read_secret(char **out, const char *path, const char *what)
{
	struct fg_buf b = FG_BUF_INIT;
	char *s;
	int err;

	*out = NULL;
	fg_buf_init(&b, FG_GIT_SECRET_FILE_MAX);
	if ((err = fg_buf_read_file(&b, path)) < 0) {
		sodium_memzero(b.ptr, b.len);
		fg_buf_release(&b);
		return fg_error_wrap(err, "cannot read %s file", what);
	}
	while (b.len && isspace((unsigned char)b.ptr[b.len - 1]))
		b.len--;
	if (!b.len || memchr(b.ptr, '\n', b.len)) {
		sodium_memzero(b.ptr, b.cap);
		fg_buf_release(&b);
		return fg_error_set(FG_EINVALID,
				    "%s file '%s' must hold one non-empty "
				    "line",
				    what, path);
	}
	if ((s = sodium_malloc(b.len + 1))) {
		memcpy(s, b.ptr, b.len);
		s[b.len] = '\0';
	}
	sodium_memzero(b.ptr, b.cap);
	fg_buf_release(&b);
	if (!s)
		return fg_error_set(FG_ERROR, "out of memory");
	if ((err = fg_log_secret(s)) < 0) {
		sodium_free(s);
		return err;
	}
	*out = s;
	return 0;
}

/* A password written into the URL is used, and never printed. */
static int url_password(struct fg_git_mirror *m)
{
	size_t alen, plen;
	const char *a = authority(m->url, &alen), *at, *colon;

	if (!a || !(at = memchr(a, '@', alen)) ||
	    !(colon = memchr(a, ':', (size_t)(at - a))))
		return 0;
	plen = (size_t)(at - colon - 1);
	if (!plen || !(m->url_password = sodium_malloc(plen + 1)))
		return plen ? fg_error_set(FG_ERROR, "out of memory") : 0;
	memcpy(m->url_password, colon + 1, plen);
	m->url_password[plen] = '\0';
	return fg_log_secret(m->url_password);
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int mirror_name(struct fg_buf *out, const char *safe_url)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	const char *p = strstr(safe_url, "://");
	char hex[2 * sizeof(h) + 1];
	size_t n = 0;

	p = p ? p + 3 : safe_url;
	for (; *p && n < 48; p++, n++)
		if (fg_buf_putc(out, isalnum((unsigned char)*p) || *p == '-' ||
						     *p == '_'
					     ? *p
					     : '_') < 0)
			return FG_ERROR;
	crypto_hash_sha256(h, (const unsigned char *)safe_url,
			   strlen(safe_url));
	sodium_bin2hex(hex, sizeof(hex), h, 8);
	return fg_buf_printf(out, "-%s.git", hex);
}

/*
 * libgit2 keeps what it read for the life of the process: pack files
 * mapped in windows (up to 8 GiB by default on 64-bit) and an object
 * cache (256 MiB). The agent reads its mirror every pass for months, so
 * both are bounded: what it reads is small and read again from the page
 * cache when needed.
 */
static void bound_libgit2_memory(void)
{
	git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT,
			 (size_t)FG_GIT_MAPPED_LIMIT);
	git_libgit2_opts(GIT_OPT_SET_MWINDOW_FILE_LIMIT,
			 (size_t)FG_GIT_MAPPED_FILES);
	git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE, (ssize_t)FG_GIT_CACHE_MAX);
}

int fg_git_mirror_open(struct fg_git_mirror **out, const struct fg_git_opts *o)
{
	struct fg_git_mirror *m;
	struct fg_buf b = FG_BUF_INIT, lock = FG_BUF_INIT;
	struct flock fl;
	const char *home;
	int err;

	*out = NULL;
	if (!o->url || !*o->url)
		return fg_error_set(FG_EINVALID, "no repository URL given");
	if (o->password_file && o->token_file)
		return fg_error_set(FG_EINVALID,
				    "give a password file or a token file, "
				    "not both");
	if (!(m = calloc(1, sizeof(*m))))
		return fg_error_set(FG_ERROR, "out of memory");
	m->lockfd = -1;
	if (git_libgit2_init() == 1)
		bound_libgit2_memory();
	m->timeout_ms =
		o->timeout_ms > 0 ? o->timeout_ms : FG_GIT_TIMEOUT_DEFAULT_MS;
	if (!(m->url = strdup(o->url)) || fg_git_url_strip(&b, o->url) < 0 ||
	    !(m->url_safe = fg_buf_detach(&b, NULL)) ||
	    host_port(&b, o->url) < 0 ||
	    !(m->host_port = fg_buf_detach(&b, NULL))) {
		err = fg_error_set(FG_ERROR, "out of memory");
		goto fail;
	}
	if ((err = url_password(m)) < 0)
		goto fail;
	m->username = dup_or_null(o->username);
	m->ca_file = dup_or_null(o->ca_file);
	m->ssh_key_file = dup_or_null(o->ssh_key_file);
	if (o->known_hosts) {
		m->known_hosts = strdup(o->known_hosts);
	} else if ((home = getenv("HOME"))) {
		fg_buf_printf(&b, "%s/.ssh/known_hosts", home);
		m->known_hosts = fg_buf_detach(&b, NULL);
	}
	if (o->password_file &&
	    (err = read_secret(&m->secret, o->password_file, "password")) < 0)
		goto fail;
	if (o->token_file) {
		if ((err = read_secret(&m->secret, o->token_file, "token")) < 0)
			goto fail;
		m->secret_is_token = 1;
	}
	if (o->cache_dir)
		err = fg_buf_puts(&b, o->cache_dir);
	else
		err = fg_git_default_cache_dir(&b);
	if (err < 0 || (err = mkdir_p(b.ptr)) < 0)
		goto fail;
	if ((err = fg_buf_putc(&b, '/')) < 0 ||
	    (err = mirror_name(&b, m->url_safe)) < 0)
		goto fail;
	m->path = fg_buf_detach(&b, NULL);
	fg_buf_printf(&lock, "%s.lock", m->path);
	m->lockfd = open(lock.ptr, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (m->lockfd < 0) {
		err = fg_error_set_errno(FG_ERROR, errno, "cannot open '%s'",
					 lock.ptr);
		goto fail;
	}
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(m->lockfd, F_SETLK, &fl) < 0) {
		err = fg_error_set(FG_ECONFLICT,
				   "the mirror of %s ('%s') is in use by "
				   "another process",
				   m->url_safe, m->path);
		goto fail;
	}
	fg_git_mirror_sweep(m);
	if (git_repository_open_bare(&m->repo, m->path) < 0 &&
	    git_repository_init(&m->repo, m->path, 1) < 0) {
		err = fg_git_error(FG_ERROR, "cannot create mirror");
		goto fail;
	}
	fg_buf_release(&lock);
	*out = m;
	return 0;
fail:
	fg_buf_release(&b);
	fg_buf_release(&lock);
	fg_git_mirror_free(m);
	return err;
}

void fg_git_mirror_free(struct fg_git_mirror *m)
{
	if (!m)
		return;
	git_repository_free(m->repo);
	if (m->lockfd >= 0)
		close(m->lockfd);
	free(m->url);
	free(m->url_safe);
	free(m->path);
	free(m->host_port);
	free(m->username);
	sodium_free(m->secret);
	sodium_free(m->url_password);
	free(m->ca_file);
	free(m->ssh_key_file);
	free(m->known_hosts);
	for (size_t i = 0; i < m->nextra; i++)
		free(m->extra_specs[i]);
	free(m->extra_specs);
	free(m);
	git_libgit2_shutdown();
}

const char *fg_git_mirror_url(const struct fg_git_mirror *m)
{
	return m->url_safe;
}

const char *fg_git_mirror_path(const struct fg_git_mirror *m)
{
	return m->path;
}

/*
 * Lock and temporary files a killed child left: only our own children
 * write here, since we hold the mirror's lock. `recurse` walks folders
 * (refs/), `packs` also removes the indexer's temporary packs.
 */
static void sweep_dir(const char *dir, int recurse, int packs, int depth)
{
	struct fg_buf p = FG_BUF_INIT;
	struct dirent *de;
	DIR *d;

	if (depth > FG_SOURCE_MAX_DEPTH || !(d = opendir(dir)))
		return;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		struct stat st;

		if (de->d_name[0] == '.' &&
		    (len == 1 || !strcmp(de->d_name, "..")))
			continue;
		fg_buf_clear(&p);
		if (fg_buf_printf(&p, "%s/%s", dir, de->d_name) < 0 ||
		    lstat(p.ptr, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (recurse)
				sweep_dir(p.ptr, recurse, packs, depth + 1);
			continue;
		}
		if ((len > 5 && !strcmp(de->d_name + len - 5, ".lock")) ||
		    (packs && (!strncmp(de->d_name, "pack_git2_", 10) ||
			       !strncmp(de->d_name, "tmp_", 4))))
			unlink(p.ptr);
	}
	closedir(d);
	fg_buf_release(&p);
}

void fg_git_mirror_sweep(struct fg_git_mirror *m)
{
	struct fg_buf p = FG_BUF_INIT;

	sweep_dir(m->path, 0, 0, 0);
	if (fg_buf_printf(&p, "%s/refs", m->path) == 0)
		sweep_dir(p.ptr, 1, 0, 0);
	fg_buf_clear(&p);
	if (fg_buf_printf(&p, "%s/objects/pack", m->path) == 0)
		sweep_dir(p.ptr, 0, 1, 0);
	fg_buf_release(&p);
}

int fg_git_fetch(struct fg_git_mirror *m)
{
	if (fg_git_url_is_local(m->url))
		return fg_git_local_fetch(m);
	return fg_git_remote_fetch(m);
}

static int is_hex40(const char *s)
{
	size_t i;

	for (i = 0; i < 40; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return s[40] == '\0';
}

static int peel_ref(git_repository *repo, const char *name, git_oid *oid)
{
	git_reference *ref = NULL;
	git_object *obj = NULL;
	int rc;

	if ((rc = git_reference_lookup(&ref, repo, name)) < 0)
		return rc;
	rc = git_reference_peel(&obj, ref, GIT_OBJECT_COMMIT);
	if (rc == 0)
		git_oid_cpy(oid, git_object_id(obj));
	git_object_free(obj);
	git_reference_free(ref);
	return rc;
}

/* An abbreviated commit id: 4 to 40 hex digits. */
static int lookup_prefix(git_repository *repo, const char *hex, size_t len,
			 git_oid *oid)
{
	git_object *o = NULL, *c = NULL;
	git_oid prefix;
	int rc;

	if (len < 4 || len > 40 || strspn(hex, "0123456789abcdefABCDEF") < len)
		return GIT_ENOTFOUND;
	if ((rc = git_oid_fromstrn(&prefix, hex, len)) == 0 &&
	    (rc = git_object_lookup_prefix(&o, repo, &prefix, len,
					   GIT_OBJECT_ANY)) == 0 &&
	    (rc = git_object_peel(&c, o, GIT_OBJECT_COMMIT)) == 0)
		git_oid_cpy(oid, git_object_id(c));
	git_object_free(c);
	git_object_free(o);
	return rc;
}

/*
 * A name without history operators as `git rev-parse` reads it: a
 * reference (HEAD, main, v1, origin/main, refs/...), an abbreviated id,
 * or what `git describe` prints (v1-3-gabc1234).
 *
 * Read here rather than by git_revparse_single: libgit2 1.5 leaks a
 * pcre2 match block for every name that holds "-g" but is not describe
 * output (flink-gitops/status, feature-gate), once per pass in the agent.
 */
static int resolve_name(git_repository *repo, const char *spec, git_oid *oid)
{
	git_reference *ref = NULL;
	git_object *obj = NULL;
	const char *g = NULL, *p, *d;
	int rc;

	if ((rc = git_reference_dwim(&ref, repo, spec)) == 0) {
		rc = git_reference_peel(&obj, ref, GIT_OBJECT_COMMIT);
		if (rc == 0)
			git_oid_cpy(oid, git_object_id(obj));
		git_object_free(obj);
		git_reference_free(ref);
		return rc;
	}
	if (rc != GIT_ENOTFOUND && rc != GIT_EINVALIDSPEC)
		return rc;
	if (lookup_prefix(repo, spec, strlen(spec), oid) == 0)
		return 0;
	for (p = spec; (p = strstr(p, "-g")); p++)
		g = p;
	if (!g || g == spec)
		return GIT_ENOTFOUND;
	for (d = g; d > spec && isdigit((unsigned char)d[-1]); d--)
		;
	if (d == g || d - 1 <= spec || d[-1] != '-')
		return GIT_ENOTFOUND;
	return lookup_prefix(repo, g + 2, strlen(g + 2), oid);
}
/* The commit `spec` names as `git rev-parse` reads it (HEAD~2, main^,
 * origin/main, a short id, refs/...), peeled. */
static int revparse(git_repository *repo, const char *spec, git_oid *oid)
{
	git_object *o = NULL, *c = NULL;
	struct fg_buf walk = FG_BUF_INIT;
	size_t base = strcspn(spec, "~^");
	char hex[GIT_OID_HEXSZ + 1];
	int rc;

	if (!strpbrk(spec, "~^:@{}"))
		return resolve_name(repo, spec, oid);
	/* a walk from a plain name (main~2, feature-gate^): the name read
	   here, the walk by libgit2 from its id */
	if (base && !strpbrk(spec, ":@{}")) {
		if (fg_buf_add(&walk, spec, base) < 0)
			return GIT_ERROR;
		rc = resolve_name(repo, walk.ptr, oid);
		fg_buf_clear(&walk);
		if (rc < 0) {
			fg_buf_release(&walk);
			return rc;
		}
		git_oid_tostr(hex, sizeof(hex), oid);
		if (fg_buf_printf(&walk, "%s%s", hex, spec + base) < 0) {
			fg_buf_release(&walk);
			return GIT_ERROR;
		}
		spec = walk.ptr;
	}
	if ((rc = git_revparse_single(&o, repo, spec)) == 0 &&
	    (rc = git_object_peel(&c, o, GIT_OBJECT_COMMIT)) == 0)
		git_oid_cpy(oid, git_object_id(c));
	git_object_free(c);
	git_object_free(o);
	fg_buf_release(&walk);
	return rc;
}

/* Where `spec` walks history from a base (HEAD~1, main^2, ...): the
 * length of that base, or 0. */
static size_t walk_base(const char *spec)
{
	size_t n = strcspn(spec, "~^");

	return spec[n] && n ? n : 0;
}

int fg_git_resolve(struct fg_git_mirror *m, const char *ref, char hex[41])
{
	struct fg_buf name = FG_BUF_INIT;
	static const char *const prefixes[] = { "refs/heads/", "refs/tags/" };
	git_commit *c = NULL;
	git_oid oid;
	size_t i, base;
	int rc = GIT_ENOTFOUND;

	hex[0] = '\0';
	if (!ref || !*ref)
		return fg_error_set(FG_EINVALID, "no ref given");
	if (is_hex40(ref)) {
		if (git_oid_fromstr(&oid, ref) == 0 &&
		    git_commit_lookup(&c, m->repo, &oid) == 0) {
			git_commit_free(c);
			git_oid_tostr(hex, 41, &oid);
			return 0;
		}
		return fg_error_set(FG_ENOTFOUND,
				    "unknown ref '%s' in %s: no such commit "
				    "on any branch or tag",
				    ref, m->url_safe);
	}
	/* a branch before a tag of the same name, as always; then what
	   `git rev-parse` accepts */
	if (!strncmp(ref, "refs/", 5)) {
		rc = peel_ref(m->repo, ref, &oid);
	} else if (!strpbrk(ref, "~^:@{}")) {
		for (i = 0; i < 2 && rc == GIT_ENOTFOUND; i++) {
			fg_buf_clear(&name);
			fg_buf_printf(&name, "%s%s", prefixes[i], ref);
			rc = peel_ref(m->repo, name.ptr, &oid);
			if (rc == GIT_EINVALIDSPEC)
				rc = GIT_ENOTFOUND;
		}
	}
	if (rc == GIT_ENOTFOUND || rc == GIT_EINVALIDSPEC)
		rc = revparse(m->repo, ref, &oid);
	/* origin/X of a server that keeps no remote-tracking refs: its X */
	if (rc == GIT_ENOTFOUND && !strncmp(ref, "origin/", 7) && ref[7]) {
		fg_buf_clear(&name);
		fg_buf_printf(&name, "refs/heads/%s", ref + 7);
		rc = peel_ref(m->repo, name.ptr, &oid);
	}
	git_error_clear();
	if (rc < 0 && (base = walk_base(ref))) {
		fg_buf_clear(&name);
		fg_buf_add(&name, ref, base);
		if (revparse(m->repo, name.ptr, &oid) == 0) {
			git_oid_tostr(hex, 41, &oid);
			rc = fg_error_set(
				FG_ENOTFOUND,
				"unknown ref '%s' in %s: %s is %.7s, but the "
				"history behind it is not in the repository "
				"(a shallow clone? fetch more of it, e.g. git "
				"fetch --deepen=N, or fetch-depth: 0)",
				ref, m->url_safe, name.ptr, hex);
			hex[0] = '\0';
			fg_buf_release(&name);
			return rc;
		}
	}
	fg_buf_release(&name);
	if (rc == GIT_ENOTFOUND || rc == GIT_EINVALIDSPEC || rc == GIT_EPEEL ||
	    rc == GIT_EAMBIGUOUS)
		return fg_error_set(FG_ENOTFOUND,
				    "unknown ref '%s' in %s: no such branch, "
				    "tag, commit or revision%s",
				    ref, m->url_safe,
				    rc == GIT_EAMBIGUOUS ? " (ambiguous: give "
							   "more of the id)"
							 : "");
	if (rc < 0)
		return fg_git_error(FG_ERROR, "cannot resolve ref");
	git_oid_tostr(hex, 41, &oid);
	return 0;
}

int fg_git_verify_commit(struct fg_git_mirror *m, const char *hex,
			 const struct fg_allowed_signers *signers,
			 struct fg_buf *who)
{
	git_buf sig = { 0 }, data = { 0 };
	struct fg_buf tmp = FG_BUF_INIT;
	git_commit *c = NULL;
	git_oid oid;
	int rc;

	if (git_oid_fromstr(&oid, hex) < 0 ||
	    git_commit_lookup(&c, m->repo, &oid) < 0)
		return fg_error_set(FG_ENOTFOUND, "no commit %s in %s", hex,
				    m->url_safe);
	rc = git_commit_extract_signature(&sig, &data, m->repo, &oid, NULL);
	if (rc == GIT_ENOTFOUND) {
		rc = fg_error_set(FG_EAUTH, "commit %s is not signed", hex);
		goto done;
	}
	if (rc < 0) {
		rc = fg_git_error(FG_EAUTH, "cannot read commit signature");
		goto done;
	}
	rc = fg_sshsig_verify(
		sig.ptr, sig.size, data.ptr, data.size, "git", signers,
		(time_t)git_commit_committer(c)->when.time, who ? who : &tmp);
	if (rc < 0)
		rc = fg_error_wrap(rc, "commit %s", hex);
done:
	fg_buf_release(&tmp);
	git_buf_dispose(&sig);
	git_buf_dispose(&data);
	git_commit_free(c);
	return rc;
}

static int verified_ref(struct fg_buf *out, const char *ref)
{
	const char *p;

	if (fg_buf_puts(out, VERIFIED_PREFIX) < 0)
		return FG_ERROR;
	for (p = ref; *p; p++)
		if (fg_buf_putc(out, isalnum((unsigned char)*p) || *p == '-' ||
						     *p == '_' || *p == '/'
					     ? *p
					     : '_') < 0)
			return FG_ERROR;
	return 0;
}

int fg_git_update(struct fg_git_mirror *m, const char *ref,
		  enum fg_git_verify_mode mode,
		  const struct fg_allowed_signers *signers,
		  struct fg_git_rev *out)
{
	struct fg_buf vref = FG_BUF_INIT, who = FG_BUF_INIT, why = FG_BUF_INIT;
	git_reference *r = NULL;
	git_oid oid;
	int err;

	memset(out, 0, sizeof(*out));
	if ((err = fg_git_fetch(m)) < 0 ||
	    (err = fg_git_resolve(m, ref, out->head)) < 0)
		return err;
	if (mode == FG_GIT_VERIFY_NONE) {
		memcpy(out->commit, out->head, sizeof(out->head));
		return 0;
	}
	if (!signers)
		return fg_error_set(FG_EINVALID,
				    "signature policy 'head' needs an "
				    "allowed_signers file");
	if ((err = verified_ref(&vref, ref)) < 0)
		goto done;
	err = fg_git_verify_commit(m, out->head, signers, &who);
	if (err == 0) {
		git_oid_fromstr(&oid, out->head);
		if (git_reference_create(&r, m->repo, vref.ptr, &oid, 1,
					 "flink-gitops: verified") < 0) {
			err = fg_git_error(FG_ERROR, "cannot record verified "
						     "commit");
			goto done;
		}
		memcpy(out->commit, out->head, sizeof(out->head));
		FG_LOG_INFO("git.verified", FG_LOG_STR("url", m->url_safe),
			    FG_LOG_STR("commit", out->head),
			    FG_LOG_STR("signer", who.ptr));
		goto done;
	}
	if (err != FG_EAUTH)
		goto done;
	out->refused = 1;
	fg_buf_puts(&why, fg_error_last());
	if (peel_ref(m->repo, vref.ptr, &oid) == 0)
		git_oid_tostr(out->commit, sizeof(out->commit), &oid);
	err = fg_error_set(FG_EAUTH, "signature refused for %s of %s: %s; %s%s",
			   ref, m->url_safe, why.ptr,
			   out->commit[0] ? "still using the last verified "
					    "commit "
					  : "no verified commit yet",
			   out->commit);
done:
	git_reference_free(r);
	fg_buf_release(&vref);
	fg_buf_release(&who);
	fg_buf_release(&why);
	return err;
}
