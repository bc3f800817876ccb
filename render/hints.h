/*
 * Hints: warnings about input that is valid, and read exactly as kubectl
 * reads it, but probably not what its author meant. They never fail a
 * namespace; validate shows them, with file, line and column.
 *
 *   - a YAML 1.1 boolean spelling (yes, no, on, off, y, n, in any of the
 *     cases YAML 1.1 allows) written unquoted as a flinkConfiguration
 *     value: kubectl reads it as true or false, and the operator hands
 *     Flink the string "true" or "false" ("restart-strategy.type: no"
 *     becomes "false"). The warning names the quoted form to use.
 */
#ifndef FG_RENDER_HINTS_H
#define FG_RENDER_HINTS_H

#include <stddef.h>

#include "render/base/diag.h"
#include "render/yaml.h"

/*
 * Warn, into `d`, about every unquoted YAML 1.1 boolean spelling among
 * the flinkConfiguration values of document `doc` of `yf`, loaded from
 * `data` (len bytes) of file `file`, an object of namespace `ns`.
 * `kind` is "" for a manifest, or the kind whose defaults a config file
 * sets ("FlinkDeployment": its defaults.FlinkDeployment). 0, or
 * FG_ERROR when memory runs out.
 */
int fg_hints_flink_bools(struct fg_diags *d, const struct fg_yaml_file *yf,
			 size_t doc, const char *data, size_t len,
			 const char *file, const char *ns, const char *kind);

#endif
