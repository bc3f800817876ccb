/*
 * Kubernetes resource.Quantity (k8s.io/apimachinery/pkg/api/resource), as
 * far as the operator's rules need it: parse with Kubernetes' messages,
 * compare exactly, sign.
 */
#ifndef FG_RENDER_QUANTITY_H
#define FG_RENDER_QUANTITY_H

/*
 * A Kubernetes resource.Quantity, exactly enough to compare: the value is
 * (neg ? -1 : 1) * coef * 10^exp10, with coef < 10^18 and no trailing
 * zeros. Parsing rounds up to nano units as Kubernetes does; values with
 * more than 18 significant digits are rounded up (away from zero), which
 * keeps every comparison's order.
 */
struct fg_quantity {
	int neg;
	unsigned long long coef;
	int exp10;
};

/*
 * Parse Kubernetes quantity syntax: [+-] digits [. digits] then one suffix
 * of n u m "" k M G T P E (decimal), Ki Mi Gi Ti Pi Ei (binary), or e/E
 * followed by a signed integer exponent. On failure returns FG_EINVALID
 * with Kubernetes' own message.
 */
int fg_k8s_quantity_parse(const char *s, struct fg_quantity *q);
/* <0, 0, >0 as a is less than, equal to, greater than b. */
int fg_quantity_cmp(const struct fg_quantity *a, const struct fg_quantity *b);
/* -1, 0 or 1. */
int fg_quantity_sign(const struct fg_quantity *q);
double fg_quantity_to_double(const struct fg_quantity *q);

#endif
