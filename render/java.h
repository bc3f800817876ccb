/*
 * What the operator's Java runtime does with the strings it validates,
 * where the outcome or the message text depends on it: the JDK's number
 * parsing and printing, java.net.URI / URL / InetAddress (literals only),
 * java.math.BigDecimal, and fabric8's Quantity (kubernetes-model 7.3.1).
 * Each function names the Java method it stands for; messages are the
 * exception messages those methods throw (JDK 17, the operator image's).
 *
 * Strings are UTF-8 here and UTF-16 in Java: where a message quotes an
 * index, it counts UTF-16 units as Java does.
 */
#ifndef FG_RENDER_JAVA_H
#define FG_RENDER_JAVA_H

#include <stddef.h>

#include "render/base/buf.h"

/* Longest string the URI, URL and Quantity parsers take; longer: invalid. */
#define FG_JAVA_MAX_TEXT 8192

/* String.trim(): drop every char <= ' ' at both ends of [*b, *e). */
void fg_java_trim(const char **b, const char **e);

/*
 * Double.parseDouble(s): decimal and hexadecimal ("0x1p3") forms, an
 * optional f/F/d/D suffix, NaN, Infinity, surrounding whitespace. 0 and
 * *out, or FG_EINVALID (no message: callers word their own).
 */
int fg_java_parse_double(const char *s, double *out);

/* Double.toString(d) into buf: "0.7", "1.0", "1.0E-5", "Infinity". */
void fg_java_double_text(double d, char *buf, size_t size);

/*
 * Integer.parseInt(s): 0 and *out, or FG_EINVALID with the JDK's
 * NumberFormatException message ('For input string: "x"') as the error.
 */
int fg_java_parse_int(const char *s, int *out);

/*
 * new java.net.URI(s): the scheme and the server-based host (what
 * getScheme() and getHost() return: NULL when absent; an IPv6 host keeps
 * its brackets). On a syntax error returns FG_EINVALID with the
 * URISyntaxException message appended to `msg`; FG_ERROR when out of
 * memory.
 */
struct fg_java_uri {
	const char *scheme; /* into the parsed string, or NULL */
	size_t scheme_len;
	const char *host; /* into the parsed string, or NULL */
	size_t host_len;
};
int fg_java_uri_parse(const char *s, struct fg_java_uri *out,
		      struct fg_buf *msg);

/*
 * new java.net.URL(spec) for an http(s) URL, where it throws
 * MalformedURLException: 0, or FG_EINVALID with the exception's message
 * appended to `msg`; FG_ERROR when out of memory.
 */
int fg_java_url_check(const char *spec, struct fg_buf *msg);

/*
 * InetAddress.getByName(host) as far as it goes without a name service
 * (JDK 17 InetAddress.getAllByName, IPAddressUtil): an IPv4 literal in
 * the decimal forms Java takes ("127.0.0.1", "127.1", "2130706433"), an
 * IPv6 literal in brackets (an IPv4-mapped one becomes IPv4), a literal
 * Java refuses as ambiguous ("0x7f.1", "0177.0.0.1" is decimal 177...)
 * or malformed, or a name that needs the name service.
 */
enum fg_java_inet {
	FG_JAVA_INET_ADDRESS, /* a literal: the address is in *out */
	FG_JAVA_INET_UNKNOWN, /* UnknownHostException without a lookup */
	FG_JAVA_INET_NAME,    /* a name: only a resolver can tell */
};
struct fg_java_inet_addr {
	unsigned char a[16];
	int len; /* 4 or 16 */
};
enum fg_java_inet fg_java_inet_literal(const char *host, size_t len,
				       struct fg_java_inet_addr *out);

/*
 * isLoopbackAddress() || isLinkLocalAddress() || isSiteLocalAddress() ||
 * isAnyLocalAddress() || isMulticastAddress()
 */
int fg_java_inet_restricted(const struct fg_java_inet_addr *a);

/*
 * fabric8 Quantity.getAmountInBytes(Quantity.parse(s)) + "": the amount
 * as BigDecimal.toString() prints it ("2147483648", "1610612736.0",
 * "1.152921504606847E+18") appended to `out`. Fails with FG_EINVALID and
 * the exception's message as the error (a NumberFormatException of
 * BigDecimal or Integer.parseInt, or fabric8's IllegalArgumentException;
 * "null" for one without a message); *arith is set when the exception is
 * an ArithmeticException (an exponent BigDecimal.pow refuses), which the
 * operator does not catch. FG_ERROR when out of memory.
 */
int fg_java_quantity_amount(const char *s, struct fg_buf *out, int *arith);

/*
 * java.time.Duration.toString() of a non-negative duration: "PT15M",
 * "PT1H30M", "PT0.5S", "PT0S".
 */
int fg_java_duration_text(struct fg_buf *out, unsigned long long seconds,
			  unsigned nanos);

#endif
