/*
 * Forced into every file of render/ and sync/ (see cmake/FgRooms.cmake).
 * These rooms must stay pure: no Git, no network. Any libgit2 or libcurl
 * header drags in one of the identifiers below and fails the build.
 */
#pragma GCC poison git_repository git_libgit2_init git_oid
#pragma GCC poison CURL CURLcode curl_easy_init
