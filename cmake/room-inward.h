/*
 * Forced into every file of render/, sync/ and the shared base (see
 * cmake/FgRooms.cmake). These rooms must stay pure: no Git, no network,
 * no adapter of agent/. Any libgit2 or libcurl header, or a header of
 * agent/'s adapters (the Kubernetes client, the Git source, the cluster
 * port's binding), drags in one of the identifiers below and fails the
 * build.
 */
#pragma GCC poison git_repository git_libgit2_init git_oid
#pragma GCC poison CURL CURLcode curl_easy_init
#pragma GCC poison fg_kube fg_kube_new fg_kube_config
#pragma GCC poison fg_git_mirror fg_git_opts
#pragma GCC poison fg_cluster_pool fg_agent_ports
