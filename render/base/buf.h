/*
 * fg_buf: a growable byte buffer, in the manner of git's strbuf.
 *
 * - `ptr` is never NULL and always NUL-terminated, so it can be handed to
 *   string functions at any time (an empty buffer points at a shared "").
 * - Every buffer has a size cap (`max`, bytes excluding the NUL) named by
 *   whoever owns it; growing past it fails with FG_EINVALID instead of
 *   exhausting memory on hostile input.
 *
 * Life cycle words, used the same way everywhere:
 *   fg_buf_init     set up an unused buffer with a cap
 *   fg_buf_clear    empty it, keep its memory (len = 0)
 *   fg_buf_release  free its memory, back to the state after init
 *   fg_buf_detach   hand the bytes to the caller (who frees them)
 */
#ifndef FG_BASE_BUF_H
#define FG_BASE_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct fg_buf {
	char *ptr;
	size_t len;
	size_t cap; /* allocated bytes, 0 while ptr is the shared "" */
	size_t max; /* cap on len */
};

extern char fg_buf_empty[];

/* Default cap for buffers whose owner names none: 64 MiB. */
#define FG_BUF_MAX_DEFAULT ((size_t)64 << 20)

#define FG_BUF_INIT                                    \
	{                                              \
		fg_buf_empty, 0, 0, FG_BUF_MAX_DEFAULT \
	}

void fg_buf_init(struct fg_buf *b, size_t max);
void fg_buf_clear(struct fg_buf *b);
void fg_buf_release(struct fg_buf *b);
/* The bytes, NUL-terminated and owned by the caller; `b` is reset. */
char *fg_buf_detach(struct fg_buf *b, size_t *len_out);

/* Make room for `extra` more bytes; FG_EINVALID past the cap. */
int fg_buf_grow(struct fg_buf *b, size_t extra);
int fg_buf_add(struct fg_buf *b, const void *data, size_t len);
int fg_buf_puts(struct fg_buf *b, const char *s);
int fg_buf_putc(struct fg_buf *b, char c);
int fg_buf_printf(struct fg_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int fg_buf_vprintf(struct fg_buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* Shorten to `len` bytes (no-op if already shorter). */
void fg_buf_truncate(struct fg_buf *b, size_t len);

/*
 * Read a whole file into `b` (appending). A file larger than the cap
 * fails with FG_EINVALID naming the file and the limit.
 */
int fg_buf_read_file(struct fg_buf *b, const char *path);
/* The same for an open descriptor; `path` only names it in messages. */
int fg_buf_read_fd(struct fg_buf *b, int fd, const char *path);

#endif
