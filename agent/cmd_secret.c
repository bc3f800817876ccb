/*
 * flink-gitops secret encrypt | decrypt | keygen: the age tooling users
 * need to keep Secret manifests in Git, with no other tool. Files are
 * age v1 (render/age.h): what `age` writes is read here, and what is
 * written here `age -d` reads.
 *
 * Plaintext and identities are read into secret memory and written with
 * write(2), never through stdio buffers; nothing of them is logged or
 * quoted in an error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "agent/age_opts.h"
#include "agent/cli.h"
#include "agent/log.h"
#include "render/age.h"
#include "render/base/buf.h"
#include "render/base/error.h"
#include "render/yaml.h"
#include "render/base/banned.h"

#define MAX_RECIPIENTS FG_AGE_MAX_STANZAS
#define RECIPIENTS_FILE_MAX ((size_t)1 << 20)

enum { OPT_AGE_IDENTITY = 0x300 };

/* ---- small I/O helpers ---------------------------------------------------- */

static int write_all(int fd, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n) {
		ssize_t w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * Write `n` bytes to `path` ("-": standard output) with `mode`: through
 * a temporary file renamed into place, so a reader never sees half a
 * file. `exclusive` refuses an existing file.
 */
static int write_file(const char *path, const void *p, size_t n, mode_t mode,
		      int exclusive)
{
	struct fg_buf tmp = FG_BUF_INIT;
	int fd, err = 0;

	if (!strcmp(path, "-"))
		return write_all(STDOUT_FILENO, p, n) < 0
			       ? fg_error_set_errno(FG_ERROR, errno,
						    "cannot write to standard "
						    "output")
			       : 0;
	if (exclusive) {
		if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
			       mode)) < 0)
			return fg_error_set_errno(FG_ERROR, errno,
						  "cannot create '%s'", path);
		if (write_all(fd, p, n) < 0 || fsync(fd) < 0)
			err = fg_error_set_errno(FG_ERROR, errno,
						 "cannot write '%s'", path);
		if (close(fd) < 0 && !err)
			err = fg_error_set_errno(FG_ERROR, errno,
						 "cannot write '%s'", path);
		if (err)
			unlink(path);
		return err;
	}
	fg_buf_printf(&tmp, "%s.tmp-XXXXXX", path);
	if ((fd = mkstemp(tmp.ptr)) < 0) {
		err = fg_error_set_errno(FG_ERROR, errno, "cannot create '%s'",
					 tmp.ptr);
		goto done;
	}
	if (fchmod(fd, mode) < 0 || write_all(fd, p, n) < 0 || fsync(fd) < 0)
		err = fg_error_set_errno(FG_ERROR, errno, "cannot write '%s'",
					 tmp.ptr);
	if (close(fd) < 0 && !err)
		err = fg_error_set_errno(FG_ERROR, errno, "cannot write '%s'",
					 tmp.ptr);
	if (!err && rename(tmp.ptr, path) < 0)
		err = fg_error_set_errno(FG_ERROR, errno,
					 "cannot rename '%s' to '%s'", tmp.ptr,
					 path);
	if (err)
		unlink(tmp.ptr);
done:
	fg_buf_release(&tmp);
	return err;
}

/* Read standard input into secret memory, at most `max` bytes. */
static int read_stdin_secret(struct fg_age_secret *s, size_t max)
{
	size_t got = 0;

	if (fg_age_secret_alloc(s, max + 1) < 0)
		return FG_ERROR;
	for (;;) {
		ssize_t n = read(STDIN_FILENO, s->ptr + got, max + 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fg_age_secret_release(s);
			return fg_error_set_errno(FG_ERROR, errno,
						  "cannot read standard input");
		}
		if (n == 0)
			break;
		got += (size_t)n;
		if (got > max) {
			fg_age_secret_release(s);
			return fg_error_set(FG_EINVALID,
					    "standard input is above the limit "
					    "of %zu bytes",
					    max);
		}
	}
	s->ptr[got] = '\0';
	s->len = got;
	return 0;
}

/* ---- encrypt ---------------------------------------------------------------- */

struct recipients {
	unsigned char (*pks)[FG_AGE_KEY_BYTES];
	size_t n;
};

static int add_recipient(struct recipients *r, const char *s)
{
	if (r->n == MAX_RECIPIENTS)
		return fg_error_set(FG_EINVALID, "more than %d recipients",
				    MAX_RECIPIENTS);
	if (!r->pks && !(r->pks = calloc(MAX_RECIPIENTS, sizeof(*r->pks))))
		return fg_error_set(FG_ERROR, "out of memory");
	if (fg_age_recipient_parse(r->pks[r->n], s) < 0)
		return FG_EINVALID;
	r->n++;
	return 0;
}

/* A recipients file: one age1... per line, blank lines and # comments. */
static int add_recipients_file(struct recipients *r, const char *path)
{
	struct fg_buf text = FG_BUF_INIT;
	unsigned lineno = 0;
	char *line, *next;
	int err;

	fg_buf_init(&text, RECIPIENTS_FILE_MAX);
	if ((err = fg_buf_read_file(&text, path)) < 0)
		goto done;
	for (line = text.ptr; line && *line && !err; line = next) {
		size_t n;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		n = strlen(line);
		while (n && (line[n - 1] == '\r' || line[n - 1] == ' ' ||
			     line[n - 1] == '\t'))
			line[--n] = '\0';
		while (*line == ' ' || *line == '\t')
			line++;
		if (!*line || *line == '#')
			continue;
		if ((err = add_recipient(r, line)) < 0)
			fg_error_wrap(err, "%s:%u", path, lineno);
	}
done:
	fg_buf_release(&text);
	return err;
}

/*
 * What render will accept in an .age file: YAML whose every document is
 * a Secret. Checked before encrypting, so a mistake shows now and not in
 * the next pull request. The loader's messages can quote the text, so
 * only the position is shown.
 */
static int check_secrets(const char *name, const struct fg_age_secret *plain)
{
	struct fg_yaml_file *yf = NULL;
	size_t i;
	int err;

	if ((err = fg_yaml_load(&yf, name, (const char *)plain->ptr, plain->len,
				NULL, NULL)) < 0) {
		fg_error_clear();
		return fg_error_set(FG_EINVALID,
				    "%s: not valid YAML (run 'flink-gitops "
				    "scan' on it for the details)",
				    name);
	}
	for (i = 0; i < fg_yaml_count(yf) && !err; i++) {
		const json_t *doc = fg_yaml_doc(yf, i);
		const char *kind =
			json_string_value(json_object_get(doc, "kind"));
		struct fg_pos at = fg_yaml_doc_pos(yf, i);
		if (!kind || strcmp(kind, "Secret"))
			err = fg_error_set(FG_EINVALID,
					   "%s:%u: the document is %s%.40s%s, "
					   "not a Secret: only Secrets may be "
					   "encrypted (flink-gitops reads "
					   "nothing else from an .age file)",
					   name, at.line, kind ? "a '" : "",
					   kind ? kind : "without a kind",
					   kind ? "'" : "");
	}
	if (!err && fg_yaml_count(yf) == 0)
		err = fg_error_set(FG_EINVALID, "%s: no Secret in the file",
				   name);
	fg_yaml_file_free(yf);
	return err;
}

static int secret_encrypt(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "recipient", required_argument, NULL, 'r' },
		{ "recipients-file", required_argument, NULL, 'R' },
		{ "armor", no_argument, NULL, 'a' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	struct recipients r = { NULL, 0 };
	struct fg_age_secret plain = { NULL, 0 };
	struct fg_buf out = FG_BUF_INIT, def_out = FG_BUF_INIT;
	const char *in, *outpath = NULL;
	int c, armor = 0, rc = FG_EXIT_USAGE;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "hr:R:ao:", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(fg_cmd_find("secret")->help, stdout);
			rc = FG_EXIT_OK;
			goto done;
		case 'r':
			if (add_recipient(&r, optarg) < 0) {
				rc = fg_usage_error("secret", "-r: %s",
						    fg_error_last());
				goto done;
			}
			break;
		case 'R':
			if (add_recipients_file(&r, optarg) < 0) {
				rc = fg_usage_error("secret", "-R: %s",
						    fg_error_last());
				goto done;
			}
			break;
		case 'a':
			armor = 1;
			break;
		case 'o':
			outpath = optarg;
			break;
		case ':':
			rc = fg_usage_error("secret",
					    "option '%s' needs a value",
					    argv[optind - 1]);
			goto done;
		default:
			rc = fg_usage_error("secret", "unknown option '%s'",
					    argv[optind - 1]);
			goto done;
		}
	}
	if (optind + 1 != argc) {
		rc = fg_usage_error("secret", optind < argc
						      ? "encrypt takes one FILE"
						      : "encrypt needs a FILE");
		goto done;
	}
	if (!r.n) {
		rc = fg_usage_error("secret", "encrypt needs at least one -r "
					      "RECIPIENT (age1...)");
		goto done;
	}
	in = argv[optind];
	if (!outpath) {
		fg_buf_printf(&def_out, "%s.age", in);
		outpath = strcmp(in, "-") ? def_out.ptr : "-";
	}
	if (strcmp(in, "-") && !strcmp(in, outpath)) {
		rc = fg_usage_error("secret", "the output would overwrite the "
					      "input");
		goto done;
	}
	rc = FG_EXIT_ERROR;
	if ((!strcmp(in, "-")
		     ? read_stdin_secret(&plain, FG_AGE_MAX_PLAINTEXT)
		     : fg_age_secret_read_file(&plain, in,
					       FG_AGE_MAX_PLAINTEXT)) < 0 ||
	    check_secrets(strcmp(in, "-") ? in : "standard input", &plain) <
		    0) {
		fprintf(stderr, "flink-gitops: secret encrypt: %s\n",
			fg_error_last());
		goto done;
	}
	fg_buf_init(&out, FG_AGE_MAX_FILE_BYTES);
	if (fg_age_encrypt(&out, plain.ptr, plain.len,
			   (const unsigned char(*)[FG_AGE_KEY_BYTES])r.pks, r.n,
			   armor) < 0 ||
	    write_file(outpath, out.ptr, out.len, 0644, 0) < 0) {
		fprintf(stderr, "flink-gitops: secret encrypt: %s\n",
			fg_error_last());
		goto done;
	}
	if (strcmp(outpath, "-"))
		fprintf(stderr,
			"flink-gitops: secret: wrote %s for %zu "
			"recipient%s%s%s%s\n",
			outpath, r.n, r.n == 1 ? "" : "s",
			strcmp(in, "-") ? "; " : "", strcmp(in, "-") ? in : "",
			strcmp(in, "-") ? " is plaintext: do not commit it"
					: "");
	FG_LOG_DEBUG("secret.encrypted", FG_LOG_STR("file", outpath),
		     FG_LOG_INT("recipients", r.n), FG_LOG_INT("armor", armor));
	rc = FG_EXIT_OK;
done:
	fg_age_secret_release(&plain);
	fg_buf_release(&out);
	fg_buf_release(&def_out);
	free(r.pks);
	return rc;
}

/* ---- decrypt ---------------------------------------------------------------- */

static int secret_decrypt(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "age-identity", required_argument, NULL, OPT_AGE_IDENTITY },
		{ "identity", required_argument, NULL, 'i' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	struct fg_age_opts ao;
	struct fg_age_identities *ids = NULL;
	struct fg_age_secret plain = { NULL, 0 };
	struct fg_buf file = FG_BUF_INIT;
	const char *in, *outpath = "-";
	int c, rc = FG_EXIT_USAGE, err;

	memset(&ao, 0, sizeof(ao));
	opterr = 0;
	while ((c = getopt_long(argc, argv, "hi:o:", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(fg_cmd_find("secret")->help, stdout);
			rc = FG_EXIT_OK;
			goto done;
		case 'i':
		case OPT_AGE_IDENTITY:
			if ((rc = fg_age_opts_add(&ao, "secret", optarg)))
				goto done;
			rc = FG_EXIT_USAGE;
			break;
		case 'o':
			outpath = optarg;
			break;
		case ':':
			rc = fg_usage_error("secret",
					    "option '%s' needs a value",
					    argv[optind - 1]);
			goto done;
		default:
			rc = fg_usage_error("secret", "unknown option '%s'",
					    argv[optind - 1]);
			goto done;
		}
	}
	if (optind + 1 != argc) {
		rc = fg_usage_error("secret", optind < argc
						      ? "decrypt takes one FILE"
						      : "decrypt needs a FILE");
		goto done;
	}
	in = argv[optind];
	if (fg_age_opts_load(&ids, &ao) < 0) {
		fprintf(stderr, "flink-gitops: secret decrypt: %s\n",
			fg_error_last());
		goto done;
	}
	rc = FG_EXIT_ERROR;
	fg_buf_init(&file, FG_AGE_MAX_FILE_BYTES);
	if (!strcmp(in, "-"))
		err = fg_buf_read_fd(&file, STDIN_FILENO, "standard input");
	else
		err = fg_buf_read_file(&file, in);
	if (err < 0) {
		fprintf(stderr, "flink-gitops: secret decrypt: %s\n",
			fg_error_last());
		goto done;
	}
	if (fg_age_decrypt(&plain, (const unsigned char *)file.ptr, file.len,
			   ids, NULL) < 0) {
		fprintf(stderr, "flink-gitops: secret decrypt: %s: %s\n",
			strcmp(in, "-") ? in : "standard input",
			fg_error_last());
		goto done;
	}
	if (write_file(outpath, plain.ptr, plain.len, 0600, 0) < 0) {
		fprintf(stderr, "flink-gitops: secret decrypt: %s\n",
			fg_error_last());
		goto done;
	}
	rc = FG_EXIT_OK;
done:
	fg_age_secret_release(&plain);
	fg_age_identities_free(ids);
	fg_buf_release(&file);
	return rc;
}

/* ---- keygen ------------------------------------------------------------------ */

/* The public keys of an identity file, one per line (age-keygen -y). */
static int keygen_public(const char *path)
{
	struct fg_age_identities *ids = NULL;
	char r[FG_AGE_RECIPIENT_CHARS + 1];
	size_t i;
	int rc = FG_EXIT_ERROR;

	if (fg_age_identities_new(&ids) < 0 ||
	    fg_age_identities_add_file(ids, path) < 0) {
		fprintf(stderr, "flink-gitops: secret keygen: %s\n",
			fg_error_last());
		goto done;
	}
	for (i = 0; i < fg_age_identities_count(ids); i++) {
		fg_age_identities_recipient(ids, i, r);
		printf("%s\n", r);
	}
	rc = FG_EXIT_OK;
done:
	fg_age_identities_free(ids);
	return rc;
}

static int secret_keygen(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	struct fg_age_secret id = { NULL, 0 }, text = { NULL, 0 };
	char r[FG_AGE_RECIPIENT_CHARS + 1], when[64];
	const char *outpath = NULL, *public_of = NULL;
	time_t now = time(NULL);
	struct tm tm;
	int c, n, rc = FG_EXIT_USAGE;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "ho:y:", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(fg_cmd_find("secret")->help, stdout);
			return FG_EXIT_OK;
		case 'o':
			outpath = optarg;
			break;
		case 'y':
			public_of = optarg;
			break;
		case ':':
			return fg_usage_error("secret",
					      "option '%s' needs a value",
					      argv[optind - 1]);
		default:
			return fg_usage_error("secret", "unknown option '%s'",
					      argv[optind - 1]);
		}
	}
	if (optind < argc)
		return fg_usage_error("secret", "unexpected argument '%s'",
				      argv[optind]);
	if (public_of)
		return outpath ? fg_usage_error("secret",
						"-y and -o do not go together")
			       : keygen_public(public_of);
	rc = FG_EXIT_ERROR;
	/* what age-keygen writes: RFC 3339 local time, public key, key */
	localtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S%z", &tm);
	n = (int)strlen(when);
	if (n > 5 && (when[n - 5] == '+' || when[n - 5] == '-')) {
		/* +0100 -> +01:00 */
		memmove(when + n - 1, when + n - 2, 3);
		when[n - 2] = ':';
	}
	if (fg_age_keygen(&id, r) < 0 ||
	    fg_age_secret_alloc(&text, 256 + FG_AGE_IDENTITY_CHARS) < 0) {
		fprintf(stderr, "flink-gitops: secret keygen: %s\n",
			fg_error_last());
		goto done;
	}
	n = snprintf((char *)text.ptr, text.len + 1,
		     "# created: %s\n# public key: %s\n%s\n", when, r,
		     (const char *)id.ptr);
	if (n < 0 || (size_t)n > text.len) {
		fprintf(stderr,
			"flink-gitops: secret keygen: internal error\n");
		goto done;
	}
	if (write_file(outpath ? outpath : "-", text.ptr, (size_t)n, 0600,
		       outpath != NULL) < 0) {
		fprintf(stderr, "flink-gitops: secret keygen: %s\n",
			fg_error_last());
		goto done;
	}
	if (outpath)
		fprintf(stderr, "Public key: %s\n", r);
	rc = FG_EXIT_OK;
done:
	fg_age_secret_release(&id);
	fg_age_secret_release(&text);
	return rc;
}

int fg_cmd_secret(int argc, char **argv)
{
	if (argc < 2)
		return fg_usage_error("secret",
				      "which one: encrypt, decrypt or "
				      "keygen?");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fputs(fg_cmd_find("secret")->help, stdout);
		return FG_EXIT_OK;
	}
	optind = 0; /* getopt_long afresh, over the subcommand's arguments */
	if (!strcmp(argv[1], "encrypt"))
		return secret_encrypt(argc - 1, argv + 1);
	if (!strcmp(argv[1], "decrypt"))
		return secret_decrypt(argc - 1, argv + 1);
	if (!strcmp(argv[1], "keygen"))
		return secret_keygen(argc - 1, argv + 1);
	return fg_usage_error(
		"secret", "'%s' is not encrypt, decrypt or keygen", argv[1]);
}
