/*
 * Private to agent/run*.c: the state of `flink-gitops run`.
 *   run.c         the command, setup and teardown, signals, the loop
 *   run_pass.c    one pass: fetch, verify, render, plan, execute, and the
 *                 proposed branches' plans
 *   run_report.c  writing the report model (sync/status.h): the status
 *                 branch and notes in Git, annotations and Events
 */
#ifndef FG_AGENT_RUN_INT_H
#define FG_AGENT_RUN_INT_H

#include <stdatomic.h>

#include <jansson.h>

#include "agent/cluster_port.h"
#include "agent/config.h"
#include "agent/git/git.h"
#include "agent/http.h"
#include "agent/kube/kube.h"
#include "agent/lease.h"
#include "agent/metrics.h"
#include "agent/watch_cache.h"
#include "render/age.h"
#include "render/render.h"
#include "sync/pass.h"
#include "sync/status.h"

#define FG_RUN_LAST_GOOD_FILE "last-good"
#define FG_RUN_MAX_PROPOSALS 256 /* proposed heads planned per pass */
#define FG_RUN_BACKOFF_MIN_MS 1000L
#define FG_RUN_EVENT_MAX 1024	       /* bytes of an Event's message */
#define FG_RUN_EVENTS_REMEMBERED 10000 /* Events said, not to repeat */
#define FG_RUN_MALLOC_ARENAS 1	       /* glibc's M_ARENA_MAX for the agent */
#define FG_RUN_MMAP_THRESHOLD (128 << 10) /* glibc's M_MMAP_THRESHOLD */
#define FG_RUN_TRIM_MS 10000 /* malloc_trim after a pass, at most this often */

/* Why the loop woke up (bits of fg_run.wake). */
#define FG_WAKE_FETCH 0x1 /* a webhook: fetch now */
#define FG_WAKE_WATCH 0x2 /* a managed object changed: pass, debounced */

struct fg_run {
	struct fg_agent_config *cfg; /* owned */
	const char *config_path;
	/* the loop */
	int sig_pipe[2], wake_pipe[2];
	atomic_int stopping;
	atomic_uint wake;
	atomic_int ready;
	/* Git */
	struct fg_git_mirror *mirror;
	struct fg_allowed_signers *signers;
	struct fg_age_identities *age_ids;
	char head[41];		     /* the branch's head, as last fetched */
	char good[41];		     /* the commit in force ("" none yet) */
	char refused[41];	     /* a head that was not applied ("" none) */
	char *refused_why;	     /* and why (diagnostics) */
	struct fg_desired *desired;  /* rendered `good` */
	struct fg_buf origin;	     /* "URL@COMMIT" of `desired` */
	char noted[41];		     /* the commit last given a note */
	unsigned char note_hash[32]; /* and a hash of its words */
	json_t *proposals;	     /* ref -> head planned last */
	/* the cluster */
	struct fg_cluster_pool *pool;
	struct fg_agent_ports ap; /* the API server */
	struct fg_watch_cache *cache;
	struct fg_cluster_port cport; /* the cache's port */
	struct fg_ports ports;	      /* what the pass uses */
	struct fg_lease *lease;
	/* reports */
	json_t *lineage;      /* sync/status.h's lineage */
	json_t *status_files; /* path -> 1: status files on the branch */
	char git_digest[65];  /* of the files last written, without times */
	char git_digest_all[65];
	long long git_written_ms;
	unsigned char git_fingerprint[32]; /* of the last pass reported */
	int git_times_pending; /* newer times wait for minInterval */
	json_t *events_sent;   /* "ns/kind/name/what" -> 1, to say it once */
	int report_loaded;     /* the status branch has been read */
	/* observability */
	struct fg_metrics *metrics;
	struct fg_http *http;
	unsigned char *secret; /* sodium_malloc; webhook secret */
	size_t secret_len;
	unsigned long passes;
	int failures; /* consecutive failed passes */
};

/* run_pass.c */

/*
 * One pass. `fetch`: check the Git ref first (else the commit in force
 * is passed again, for drift). 0 when the pass succeeded; < 0 when it
 * failed (the loop backs off); the pass and its reports are logged.
 */
int fg_run_pass(struct fg_run *r, int fetch);

/* 1 when `ref` matches proposal pattern `pat` (a full ref name, or a
 * branch pattern under refs/heads/). */
int fg_run_proposal_match(const char *pat, const char *ref);

/* Read the last good commit from stateDir (at start). */
void fg_run_load_state(struct fg_run *r);

/* run_report.c */

/* Write the reports of pass `p` (leader only). */
void fg_run_report(struct fg_run *r, const struct fg_pass *p, int new_commit);
/* A head that was refused: its note. */
void fg_run_report_refused(struct fg_run *r, const char *commit,
			   const char *why);
/* A proposed branch's plan: note and plans/BRANCH.md. */
void fg_run_report_proposal(struct fg_run *r, const char *ref,
			    const char *commit, const struct fg_pass *p);
/* A proposed branch is gone: its plan file too. */
void fg_run_report_proposal_gone(struct fg_run *r, const char *ref);
/* Read what the status branch holds (lineage, status files) at start. */
void fg_run_report_load(struct fg_run *r);

/* The commit options of report writes. */
void fg_run_commit_opts(const struct fg_run *r, struct fg_git_commit_opts *o,
			const char *message);

int fg_run_leader(struct fg_run *r);

#endif
