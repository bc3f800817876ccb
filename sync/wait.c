/*
 * Waiting for the outcome (sync/pass.h, fg_pass_wait): after sync, the
 * changed Flink objects are read until the operator says how they
 * ended. Time goes through the clock port only, so the unit tests run
 * it without sleeping.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/base/error.h"
#include "render/base/json.h"
#include "sync/bluegreen.h"
#include "sync/pass.h"
#include "sync/pass_int.h"
#include "render/base/banned.h"

const char *fg_wait_result_name(enum fg_wait_result w)
{
	static const char *const names[] = { "none", "healthy", "degraded",
					     "timeout", "gone" };

	return (size_t)w < sizeof(names) / sizeof(*names) ? names[w] : "?";
}

/* A Flink object this pass wrote (created or updated) for real. */
static int waits_for(const struct fg_pass *p, const struct fg_step *s)
{
	return !p->opts.dry_run && s->desired &&
	       s->outcome == FG_OUTCOME_DONE &&
	       (s->action == FG_ACTION_CREATE ||
		s->action == FG_ACTION_UPDATE) &&
	       !strcmp(s->group, "flink.apache.org") &&
	       (!strcmp(s->kind, "FlinkDeployment") ||
		!strcmp(s->kind, "FlinkSessionJob") ||
		!strcmp(s->kind, FG_BLUEGREEN_KIND));
}

/* Does Git suspend it? Then SUSPENDED is where it should end. */
static int suspended_in_git(const struct fg_step *s)
{
	return fg_str_is(
		fg_json_str(fg_json_get(fg_flink_spec(s->desired->obj), "job"),
			    "state"),
		"suspended");
}

/* The health of FlinkBlueGreenDeployment `live` of `ns`, its children
 * read with a GET each. */
static int bluegreen_look(const struct fg_ports *ports,
			  const struct fg_pass_ns *ns, const struct fg_step *s,
			  const json_t *live, struct fg_health_report *h)
{
	const struct fg_cluster_port *port = ports->cluster;
	const json_t *kids[2] = { NULL, NULL };
	json_t *got[2] = { NULL, NULL };
	char name[320];
	int err, known = 1;

	for (int c = FG_BG_BLUE; c <= FG_BG_GREEN; c++) {
		struct fg_obj_ref ref = {
			"flink.apache.org", "FlinkDeployment", ns->name,
			fg_bg_child_name(name, sizeof(name), s->name,
					 (enum fg_bg_colour)c)
		};

		err = port->get(port->ctx, &ref, &got[c - 1]);
		if (err == FG_ENOTFOUND)
			fg_error_clear();
		else if (err < 0)
			known = 0;
		else if (fg_bg_is_child(got[c - 1], live, (enum fg_bg_colour)c))
			kids[c - 1] = got[c - 1];
	}
	fg_error_clear();
	err = fg_health_of_bluegreen(
		live, s->desired->obj, kids, known,
		ports->clock->wall_s ? ports->clock->wall_s(ports->clock->ctx)
				     : 0,
		h);
	json_decref(got[0]);
	json_decref(got[1]);
	return err;
}

/* Read `s` once: its health into s->wait_health; 1 once it settled. */
static int look(const struct fg_ports *ports, const struct fg_pass_ns *ns,
		struct fg_step *s, int *changed)
{
	const struct fg_cluster_port *port = ports->cluster;
	struct fg_obj_ref ref = { s->group, s->kind, ns->name, s->name };
	struct fg_health_report h = FG_HEALTH_REPORT_INIT;
	json_t *live = NULL;
	int err, settled = 0;

	err = port->get(port->ctx, &ref, &live);
	if (err == FG_ENOTFOUND) {
		fg_error_clear();
		s->waited = FG_WAIT_GONE;
		*changed = 1;
		return 1;
	}
	if (err >= 0 && fg_is_bluegreen(live))
		err = bluegreen_look(ports, ns, s, live, &h);
	else if (err >= 0)
		err = fg_health_of(live, s->desired->obj, &h);
	if (err < 0) {
		/* a failed read is no verdict: try again next round */
		fg_error_clear();
		json_decref(live);
		return 0;
	}
	json_decref(live);
	*changed = h.health != s->wait_health.health ||
		   !fg_str_is(h.message, s->wait_health.message);
	if (h.health == FG_HEALTH_HEALTHY ||
	    (h.health == FG_HEALTH_SUSPENDED && suspended_in_git(s))) {
		s->waited = FG_WAIT_HEALTHY;
		settled = 1;
	} else if (h.health == FG_HEALTH_DEGRADED) {
		s->waited = FG_WAIT_DEGRADED;
		settled = 1;
	}
	fg_health_report_release(&s->wait_health);
	s->wait_health = h;
	return settled;
}

int fg_pass_wait(struct fg_pass *p, const struct fg_ports *ports,
		 long long timeout_ms, fg_wait_progress_fn progress, void *arg)
{
	const struct fg_clock_port *clock = ports->clock;
	long long start = clock->now_ms(clock->ctx), now;
	long poll = p->opts.poll_ms > 0 ? p->opts.poll_ms : FG_PASS_POLL_MS;
	size_t pending;

	if (timeout_ms <= 0)
		timeout_ms = FG_PASS_WAIT_MS;
	p->waited = 1;
	for (;;) {
		pending = 0;
		now = clock->now_ms(clock->ctx);
		for (size_t i = 0; i < p->n; i++) {
			struct fg_pass_ns *ns = &p->v[i];

			for (size_t j = 0; j < ns->n; j++) {
				struct fg_step *s = &ns->v[j];
				int changed = 0;

				if (!waits_for(p, s) ||
				    s->waited != FG_WAIT_NONE)
					continue;
				if (!look(ports, ns, s, &changed)) {
					pending++;
					if (changed && progress)
						progress(arg, ns, s,
							 now - start);
					continue;
				}
				s->wait_ms = now - start;
				if (progress)
					progress(arg, ns, s, now - start);
			}
		}
		if (!pending || now - start >= timeout_ms)
			break;
		clock->sleep_ms(clock->ctx, poll);
	}
	p->wait_healthy = p->wait_degraded = p->wait_timeout = 0;
	p->wait_ms = clock->now_ms(clock->ctx) - start;
	for (size_t i = 0; i < p->n; i++)
		for (size_t j = 0; j < p->v[i].n; j++) {
			struct fg_step *s = &p->v[i].v[j];

			if (!waits_for(p, s))
				continue;
			if (s->waited == FG_WAIT_NONE) {
				s->waited = FG_WAIT_TIMEOUT;
				s->wait_ms = p->wait_ms;
				if (progress)
					progress(arg, &p->v[i], s, p->wait_ms);
			}
			p->wait_healthy += s->waited == FG_WAIT_HEALTHY;
			p->wait_degraded += s->waited == FG_WAIT_DEGRADED ||
					    s->waited == FG_WAIT_GONE;
			p->wait_timeout += s->waited == FG_WAIT_TIMEOUT;
		}
	return 0;
}
