#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "render/base/error.h"
#include "render/source.h"
#include "render/base/banned.h"

struct dir_source {
	int rootfd;
};

int fg_source_paths_push(char ***paths, size_t *n, size_t *cap, const char *p)
{
	if (*n >= FG_SOURCE_MAX_ENTRIES)
		return fg_error_set(FG_EINVALID,
				    "more than %d files in the repository",
				    FG_SOURCE_MAX_ENTRIES);
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		char **v = realloc(*paths, ncap * sizeof(*v));
		if (!v)
			return fg_error_set(FG_ERROR, "out of memory");
		*paths = v;
		*cap = ncap;
	}
	if (!((*paths)[*n] = strdup(p)))
		return fg_error_set(FG_ERROR, "out of memory");
	(*n)++;
	return 0;
}

static int walk(int folder_fd, struct fg_buf *rel, int depth, char ***paths,
		size_t *n, size_t *cap, struct fg_diags *diags)
{
	struct fg_pos none = { 0, 0 };
	size_t base = rel->len;
	struct dirent *de;
	DIR *d;
	int fd, err = 0;

	if (depth > FG_SOURCE_MAX_DEPTH)
		return fg_diags_add(diags, FG_SEV_ERROR, rel->ptr, none,
				    "folders nested deeper than %d levels",
				    FG_SOURCE_MAX_DEPTH);
	if (!(d = fdopendir(folder_fd))) {
		close(folder_fd);
		return fg_error_set_errno(FG_ERROR, errno,
					  "cannot read folder '%s'",
					  rel->len ? rel->ptr : ".");
	}
	while (!err && (errno = 0, de = readdir(d))) {
		struct stat st;

		if (de->d_name[0] == '.')
			continue; /* hidden, and . and .. */
		fg_buf_truncate(rel, base);
		if ((base && fg_buf_putc(rel, '/') < 0) ||
		    fg_buf_puts(rel, de->d_name) < 0) {
			err = FG_ERROR;
			break;
		}
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW)) {
			err = fg_error_set_errno(FG_ERROR, errno,
						 "cannot stat '%s'", rel->ptr);
			break;
		}
		if (S_ISLNK(st.st_mode)) {
			err = fg_diags_add(diags, FG_SEV_ERROR, rel->ptr, none,
					   "symbolic links are not allowed in "
					   "a repository (they could point "
					   "outside it)");
		} else if (S_ISDIR(st.st_mode)) {
			fd = openat(dirfd(d), de->d_name,
				    O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
					    O_CLOEXEC);
			if (fd < 0)
				err = fg_error_set_errno(FG_ERROR, errno,
							 "cannot open '%s'",
							 rel->ptr);
			else
				err = walk(fd, rel, depth + 1, paths, n, cap,
					   diags);
		} else if (S_ISREG(st.st_mode)) {
			err = fg_source_paths_push(paths, n, cap, rel->ptr);
		} else {
			err = fg_diags_add(diags, FG_SEV_ERROR, rel->ptr, none,
					   "not a regular file or folder");
		}
	}
	if (!err && errno)
		err = fg_error_set_errno(FG_ERROR, errno,
					 "cannot read folder '%s'",
					 base ? rel->ptr : ".");
	fg_buf_truncate(rel, base);
	closedir(d);
	return err;
}

int fg_source_path_check(const char *path)
{
	const char *p = path;

	if (*p == '/')
		goto bad;
	while (*p) {
		size_t len = strcspn(p, "/");
		if ((len == 2 && !memcmp(p, "..", 2)) ||
		    (len == 1 && p[0] == '.') || len == 0)
			goto bad;
		p += len;
		if (*p == '/')
			p++;
	}
	return 0;
bad:
	return fg_error_set(FG_EINVALID,
			    "path '%s' leaves the repository root or is not "
			    "normalised",
			    path);
}

static int dir_list(void *ctx, const char *sub, char ***paths, size_t *n,
		    size_t *cap, struct fg_diags *diags)
{
	struct dir_source *ds = ctx;
	struct fg_buf rel = FG_BUF_INIT;
	int fd, err;

	if (*sub && (err = fg_source_path_check(sub)) < 0)
		return err;
	fd = openat(ds->rootfd, *sub ? sub : ".",
		    O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return fg_error_set_errno(
			errno == ENOENT ? FG_ENOTFOUND : FG_ERROR, errno,
			"cannot open folder '%s'", *sub ? sub : ".");
	if ((err = fg_buf_puts(&rel, sub)) == 0)
		err = walk(fd, &rel, 0, paths, n, cap, diags);
	else
		close(fd);
	fg_buf_release(&rel);
	return err;
}

static int dir_read(void *ctx, const char *path, struct fg_buf *out)
{
	struct dir_source *ds = ctx;
	struct fg_buf tmp = FG_BUF_INIT;
	int fd, err;
	const char *p;

	if ((err = fg_source_path_check(path)) < 0)
		return err;
	/* open component by component so no symlink is ever followed */
	fd = dup(ds->rootfd);
	for (p = path; fd >= 0;) {
		size_t len = strcspn(p, "/");
		int next;

		fg_buf_clear(&tmp);
		if (fg_buf_add(&tmp, p, len) < 0)
			break;
		next = openat(fd, tmp.ptr,
			      O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
				      (p[len] ? O_DIRECTORY : 0));
		close(fd);
		fd = next;
		if (!p[len])
			break;
		p += len + 1;
	}
	fg_buf_release(&tmp);
	if (fd < 0)
		return fg_error_set_errno(errno == ENOENT ? FG_ENOTFOUND
							  : FG_ERROR,
					  errno, "cannot open '%s'", path);
	err = fg_buf_read_fd(out, fd, path);
	close(fd);
	if (err < 0)
		return fg_error_wrap(err, "cannot read '%s'", path);
	return 0;
}

static void dir_free(void *ctx)
{
	struct dir_source *ds = ctx;

	if (ds && ds->rootfd >= 0)
		close(ds->rootfd);
	free(ds);
}

static const struct fg_source_ops dir_ops = { dir_list, dir_read, dir_free };

int fg_source_dir_new(struct fg_source **out, const char *root)
{
	struct fg_source *s = NULL;
	struct dir_source *ds = NULL;

	*out = NULL;
	if (!(s = calloc(1, sizeof(*s))) || !(ds = calloc(1, sizeof(*ds))) ||
	    !(s->label = strdup(root))) {
		free(s);
		free(ds);
		return fg_error_set(FG_ERROR, "out of memory");
	}
	ds->rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ds->rootfd < 0) {
		int e = errno;
		free(s->label);
		free(s);
		free(ds);
		return fg_error_set_errno(
			e == ENOENT ? FG_ENOTFOUND : FG_ERROR, e,
			"cannot open repository folder '%s'", root);
	}
	s->ops = &dir_ops;
	s->ctx = ds;
	*out = s;
	return 0;
}

void fg_source_free(struct fg_source *s)
{
	if (!s)
		return;
	s->ops->free(s->ctx);
	free(s->label);
	free(s);
}

static int cmp_paths(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int fg_source_list(struct fg_source *s, const char *sub, char ***paths,
		   size_t *n, struct fg_diags *diags)
{
	size_t cap = 0;
	int err;

	*paths = NULL;
	*n = 0;
	err = s->ops->list(s->ctx, sub ? sub : "", paths, n, &cap, diags);
	if (err < 0) {
		fg_source_paths_free(*paths, *n);
		*paths = NULL;
		*n = 0;
		return err;
	}
	if (*n > 1)
		qsort(*paths, *n, sizeof(**paths), cmp_paths);
	return 0;
}

void fg_source_paths_free(char **paths, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}

int fg_source_read(struct fg_source *s, const char *path, struct fg_buf *out)
{
	return s->ops->read(s->ctx, path, out);
}
