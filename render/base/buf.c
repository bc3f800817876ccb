#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "render/base/buf.h"
#include "render/base/error.h"
#include "render/base/banned.h"

char fg_buf_empty[1];

void fg_buf_init(struct fg_buf *b, size_t max)
{
	b->ptr = fg_buf_empty;
	b->len = 0;
	b->cap = 0;
	b->max = max ? max : FG_BUF_MAX_DEFAULT;
}

void fg_buf_clear(struct fg_buf *b)
{
	b->len = 0;
	if (b->cap)
		b->ptr[0] = '\0';
}

void fg_buf_release(struct fg_buf *b)
{
	size_t max = b->max;

	if (b->cap)
		free(b->ptr);
	fg_buf_init(b, max);
}

char *fg_buf_detach(struct fg_buf *b, size_t *len_out)
{
	char *p;

	if (len_out)
		*len_out = b->len;
	if (!b->cap) {
		p = calloc(1, 1);
	} else {
		p = b->ptr;
		b->cap = 0;
	}
	fg_buf_init(b, b->max);
	return p;
}

int fg_buf_grow(struct fg_buf *b, size_t extra)
{
	size_t want, ncap;
	char *p;

	if (extra > b->max || b->len > b->max - extra)
		return fg_error_set(FG_EINVALID,
				    "buffer limit of %zu bytes exceeded",
				    b->max);
	want = b->len + extra + 1;
	if (want <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 64;
	while (ncap < want)
		ncap = ncap > SIZE_MAX / 2 ? want : ncap * 2;
	p = realloc(b->cap ? b->ptr : NULL, ncap);
	if (!p)
		return fg_error_set(FG_ERROR, "out of memory");
	if (!b->cap)
		p[0] = '\0';
	b->ptr = p;
	b->cap = ncap;
	return 0;
}

int fg_buf_add(struct fg_buf *b, const void *data, size_t len)
{
	int err;

	if ((err = fg_buf_grow(b, len)) < 0)
		return err;
	if (len)
		memcpy(b->ptr + b->len, data, len);
	b->len += len;
	b->ptr[b->len] = '\0';
	return 0;
}

int fg_buf_puts(struct fg_buf *b, const char *s)
{
	return fg_buf_add(b, s, strlen(s));
}

int fg_buf_putc(struct fg_buf *b, char c)
{
	return fg_buf_add(b, &c, 1);
}

int fg_buf_vprintf(struct fg_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n, err;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return fg_error_set(FG_ERROR, "cannot format message");
	if ((err = fg_buf_grow(b, (size_t)n)) < 0)
		return err;
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int fg_buf_printf(struct fg_buf *b, const char *fmt, ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = fg_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return err;
}

void fg_buf_truncate(struct fg_buf *b, size_t len)
{
	if (len < b->len) {
		b->len = len;
		b->ptr[len] = '\0';
	}
}

int fg_buf_read_file(struct fg_buf *b, const char *path)
{
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return fg_error_set_errno(errno == ENOENT ? FG_ENOTFOUND
							  : FG_ERROR,
					  errno, "cannot open '%s'", path);
	err = fg_buf_read_fd(b, fd, path);
	close(fd);
	return err;
}

int fg_buf_read_fd(struct fg_buf *b, int fd, const char *path)
{
	struct stat st;
	int err = 0;
	ssize_t n;

	if (fstat(fd, &st) < 0)
		return fg_error_set_errno(FG_ERROR, errno, "cannot stat '%s'",
					  path);
	if (!S_ISREG(st.st_mode))
		return fg_error_set(FG_EINVALID, "'%s' is not a regular file",
				    path);
	if ((size_t)st.st_size > b->max - b->len)
		return fg_error_set(
			FG_EINVALID,
			"'%s' is %lld bytes, above the limit of %zu", path,
			(long long)st.st_size, b->max);
	for (;;) {
		size_t room = b->max - b->len;
		char probe;

		if (room == 0) {
			/* at the cap: only end-of-file is acceptable now */
			n = read(fd, &probe, 1);
			if (n < 0 && errno == EINTR)
				continue;
			if (n != 0) {
				err = fg_error_set(
					FG_EINVALID,
					"'%s' is above the limit of %zu bytes",
					path, b->max);
				return err;
			}
			break;
		}
		if ((err = fg_buf_grow(b, room < 8192 ? room : 8192)) < 0)
			return err;
		n = read(fd, b->ptr + b->len,
			 b->cap - b->len - 1 < room ? b->cap - b->len - 1
						    : room);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = fg_error_set_errno(FG_ERROR, errno,
						 "cannot read '%s'", path);
			return err;
		}
		if (n == 0)
			break;
		b->len += (size_t)n;
		b->ptr[b->len] = '\0';
	}
	return 0;
}
