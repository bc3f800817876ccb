/*
 * sshsig: signatures made by the real ssh-keygen verify; ours verify with
 * ssh-keygen -Y verify; tampering, other namespaces, unlisted or expired
 * keys and encrypted private keys are refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <sodium.h>

#include "agent/git/sshsig.h"
#include "render/base/buf.h"
#include "render/base/error.h"
#include "render/base/banned.h"

static char dir[] = "/tmp/fg-test-sshsig-XXXXXX";
static const char msg[] = "tree 1234\nauthor x\n\nhello\n";

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
	fg_buf_release(&cmd);
	return rc;
}

static void read_file(struct fg_buf *b, const char *name)
{
	struct fg_buf p = FG_BUF_INIT;

	fg_buf_printf(&p, "%s/%s", dir, name);
	assert_int_equal(fg_buf_read_file(b, p.ptr), 0);
	fg_buf_release(&p);
}

static struct fg_allowed_signers *signers(const char *opts)
{
	struct fg_allowed_signers *a = NULL;
	struct fg_buf pub = FG_BUF_INIT, text = FG_BUF_INIT;

	read_file(&pub, "key.pub");
	pub.ptr[strcspn(pub.ptr, "\n")] = '\0';
	fg_buf_printf(&text, "# test\ndev@example.com %s %s\n", opts, pub.ptr);
	assert_int_equal(
		fg_allowed_signers_parse(&a, text.ptr, text.len, "signers"), 0);
	fg_buf_release(&pub);
	fg_buf_release(&text);
	return a;
}

static void test_sshsig__ssh_keygen_signature_verifies(void **state)
{
	struct fg_allowed_signers *a = signers("");
	struct fg_buf sig = FG_BUF_INIT, who = FG_BUF_INIT;

	(void)state;
	read_file(&sig, "msg.sig");
	assert_int_equal(fg_sshsig_verify(sig.ptr, sig.len, msg, strlen(msg),
					  "git", a, time(NULL), &who),
			 0);
	assert_non_null(strstr(who.ptr, "dev@example.com (SHA256:"));
	fg_allowed_signers_free(a);
	fg_buf_release(&sig);
	fg_buf_release(&who);
}

static void test_sshsig__tampered_message_refused(void **state)
{
	struct fg_allowed_signers *a = signers("");
	struct fg_buf sig = FG_BUF_INIT, who = FG_BUF_INIT;

	(void)state;
	read_file(&sig, "msg.sig");
	assert_int_equal(fg_sshsig_verify(sig.ptr, sig.len, "tree 1234\n", 10,
					  "git", a, time(NULL), &who),
			 FG_EAUTH);
	assert_non_null(strstr(fg_error_last(), "bad signature"));
	fg_allowed_signers_free(a);
	fg_buf_release(&sig);
	fg_buf_release(&who);
}

static void test_sshsig__other_namespace_refused(void **state)
{
	struct fg_allowed_signers *a = signers("");
	struct fg_buf sig = FG_BUF_INIT, who = FG_BUF_INIT;

	(void)state;
	read_file(&sig, "msg.sig");
	assert_int_equal(fg_sshsig_verify(sig.ptr, sig.len, msg, strlen(msg),
					  "file", a, time(NULL), &who),
			 FG_EAUTH);
	assert_non_null(strstr(fg_error_last(), "namespace 'git'"));
	fg_allowed_signers_free(a);
	fg_buf_release(&sig);
	fg_buf_release(&who);
}

static void test_sshsig__unlisted_or_expired_key_refused(void **state)
{
	struct fg_allowed_signers *none = NULL,
				  *expired =
					  signers("valid-before=\"20200101\""),
				  *other_ns = signers("namespaces=\"file\"");
	struct fg_buf sig = FG_BUF_INIT, who = FG_BUF_INIT;

	(void)state;
	read_file(&sig, "msg.sig");
	assert_int_equal(fg_allowed_signers_parse(&none, "", 0, "x"), 0);
	assert_int_equal(fg_sshsig_verify(sig.ptr, sig.len, msg, strlen(msg),
					  "git", none, time(NULL), &who),
			 FG_EAUTH);
	assert_non_null(strstr(fg_error_last(), "does not list"));
	assert_int_equal(fg_sshsig_verify(sig.ptr, sig.len, msg, strlen(msg),
					  "git", expired, time(NULL), &who),
			 FG_EAUTH);
	assert_int_equal(fg_sshsig_verify(sig.ptr, sig.len, msg, strlen(msg),
					  "git", other_ns, time(NULL), &who),
			 FG_EAUTH);
	fg_allowed_signers_free(none);
	fg_allowed_signers_free(expired);
	fg_allowed_signers_free(other_ns);
	fg_buf_release(&sig);
	fg_buf_release(&who);
}

static void test_sshsig__own_signature_verifies_with_ssh_keygen(void **state)
{
	struct fg_ssh_key *k = NULL;
	struct fg_buf sig = FG_BUF_INIT, p = FG_BUF_INIT, pub = FG_BUF_INIT;
	char fp[FG_SSH_FP_LEN], want[128];
	FILE *f;

	(void)state;
	fg_buf_printf(&p, "%s/key", dir);
	assert_int_equal(fg_ssh_key_load(&k, p.ptr), 0);
	assert_int_equal(fg_sshsig_sign(&sig, k, "git", msg, strlen(msg)), 0);
	fg_buf_clear(&p);
	fg_buf_printf(&p, "%s/ours.sig", dir);
	f = fopen(p.ptr, "w");
	assert_non_null(f);
	fprintf(f, "%s\n", sig.ptr);
	fclose(f);
	assert_int_equal(sh("cd %s && echo \"dev@example.com $(cut -d' ' "
			    "-f1,2 key.pub)\" > allowed && ssh-keygen -q -Y "
			    "verify -f allowed -I dev@example.com -n git -s "
			    "ours.sig < msg > /dev/null",
			    dir),
			 0);
	/* public half and fingerprint are ssh-keygen's */
	assert_int_equal(fg_ssh_key_public(k, &pub), 0);
	fg_buf_clear(&p);
	read_file(&p, "key.pub");
	assert_int_equal(strncmp(p.ptr, pub.ptr, pub.len), 0);
	fg_ssh_key_fingerprint(k, fp);
	fg_buf_clear(&p);
	read_file(&p, "key.fp");
	snprintf(want, sizeof(want), "%s", p.ptr);
	want[strcspn(want, "\n")] = '\0';
	assert_string_equal(fp, want);
	fg_ssh_key_free(k);
	fg_buf_release(&sig);
	fg_buf_release(&p);
	fg_buf_release(&pub);
}

static void test_sshsig__encrypted_key_refused(void **state)
{
	struct fg_ssh_key *k = NULL;
	struct fg_buf p = FG_BUF_INIT;

	(void)state;
	fg_buf_printf(&p, "%s/enc", dir);
	assert_int_equal(fg_ssh_key_load(&k, p.ptr), FG_EINVALID);
	assert_non_null(strstr(fg_error_last(), "encrypted"));
	assert_null(k);
	assert_int_equal(fg_ssh_key_parse(&k, "garbage", 7, "x"), FG_EINVALID);
	fg_buf_release(&p);
}

static int setup(void **state)
{
	(void)state;
	if (sodium_init() < 0 || !mkdtemp(dir))
		return -1;
	return sh("cd %s && ssh-keygen -q -t ed25519 -N '' -C dev -f key && "
		  "ssh-keygen -q -t ed25519 -N secret -f enc && "
		  "ssh-keygen -lf key.pub | cut -d' ' -f2 > key.fp && "
		  "printf '%%s' '%s' > msg && "
		  "ssh-keygen -q -Y sign -f key -n git msg",
		  dir, msg) == 0
		       ? 0
		       : -1;
}

static int teardown(void **state)
{
	(void)state;
	return sh("rm -rf %s", dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sshsig__ssh_keygen_signature_verifies),
		cmocka_unit_test(test_sshsig__tampered_message_refused),
		cmocka_unit_test(test_sshsig__other_namespace_refused),
		cmocka_unit_test(test_sshsig__unlisted_or_expired_key_refused),
		cmocka_unit_test(
			test_sshsig__own_signature_verifies_with_ssh_keygen),
		cmocka_unit_test(test_sshsig__encrypted_key_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
