/* A libgit2 header the stubs do not shadow is caught by the poison. */
#include <git2/refs.h>
int fg_room_probe(void);
int fg_room_probe(void)
{
	return 0;
}
