#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "render/base/grow.h"
#include "render/base/banned.h"

int fg_grow(void **v, size_t size, size_t need, size_t *cap)
{
	size_t ncap;
	void *p;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap : 8;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return -1;
		ncap *= 2;
	}
	if (size && ncap > SIZE_MAX / size)
		return -1;
	if (!(p = realloc(*v, ncap * size)))
		return -1;
	memset((char *)p + *cap * size, 0, (ncap - *cap) * size);
	*v = p;
	*cap = ncap;
	return 0;
}
