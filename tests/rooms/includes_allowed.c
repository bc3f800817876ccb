/* Control: what render/ and sync/ may use compiles with the same flags. */
#include <jansson.h>
#include <sodium.h>
#include <yaml.h>

#include "render/render.h"
#include "sync/pass.h"
#include "sync/plan.h"
#include "sync/report.h"
int fg_room_probe(void);
int fg_room_probe(void)
{
	return json_is_null(json_null()) && sodium_init() >= -1;
}
