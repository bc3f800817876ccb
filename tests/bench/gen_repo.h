/*
 * Benchmarks' shared fixture: a generated repository of NS namespaces x
 * PER FlinkDeployments, with repo and namespace defaults and variables,
 * every object valid (issue #3's size: 500 x 20).
 */
#ifndef FG_TESTS_BENCH_GEN_REPO_H
#define FG_TESTS_BENCH_GEN_REPO_H

/* Write the repository into the existing folder `root`; 0 or -1. */
int fg_bench_generate_repo(const char *root, int nns, int per);

#endif
