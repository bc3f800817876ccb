/* Must NOT compile with render/ or sync/ flags: the core does not know how
 * agent/ binds its ports. */
#include "agent/cluster_port.h"
int fg_room_probe(void);
int fg_room_probe(void)
{
	return 0;
}
