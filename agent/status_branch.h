/*
 * Reading the agent's status branch (sync/status.h's layout) out of a
 * mirror: the savepoint lineage, for the agent at start and for `plan
 * --repo`, which names the savepoint a revert can restore from.
 */
#ifndef FG_AGENT_STATUS_BRANCH_H
#define FG_AGENT_STATUS_BRANCH_H

#include <jansson.h>

#include "agent/git/git.h"

#define FG_STATUS_BRANCH_FILE_MAX ((size_t)1 << 20) /* one lineage file */

/*
 * Read branch `branch` (NULL: FG_GIT_STATUS_BRANCH) of mirror `m`: every
 * lineage/NS/KIND/NAME.json into `lineage` ("NS/KIND/NAME" -> entries)
 * and, when `paths` is not NULL, the path of every status/ and lineage/
 * file (path -> true). A branch that does not exist reads as empty (0);
 * an unreadable lineage file is skipped. *commit (41 bytes, may be NULL)
 * gets the branch's commit, "" when absent.
 */
int fg_status_branch_read(struct fg_git_mirror *m, const char *branch,
			  json_t *lineage, json_t *paths, char *commit);

#endif
