// Typed wrappers around libcurl's variadic functions, which Swift cannot call.
// One function per argument kind, as swift-corelibs-foundation does.
#ifndef SWAPSYNC_CCURL_SHIM_H
#define SWAPSYNC_CCURL_SHIM_H

#include <curl/curl.h>
#include <signal.h>
#include <stddef.h>

typedef size_t (*swapsync_curl_data_callback)(char *ptr, size_t size, size_t nmemb, void *userdata);
typedef int (*swapsync_curl_seek_callback)(void *userdata, curl_off_t offset, int origin);

static inline CURLcode swapsync_easy_setopt_long(CURL *h, CURLoption o, long v) {
  return curl_easy_setopt(h, o, v);
}
static inline CURLcode swapsync_easy_setopt_string(CURL *h, CURLoption o, const char *v) {
  return curl_easy_setopt(h, o, v);
}
static inline CURLcode swapsync_easy_setopt_pointer(CURL *h, CURLoption o, void *v) {
  return curl_easy_setopt(h, o, v);
}
static inline CURLcode swapsync_easy_setopt_off_t(CURL *h, CURLoption o, curl_off_t v) {
  return curl_easy_setopt(h, o, v);
}
static inline CURLcode swapsync_easy_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) {
  return curl_easy_setopt(h, o, v);
}
static inline CURLcode swapsync_easy_setopt_data_callback(CURL *h, CURLoption o, swapsync_curl_data_callback v) {
  return curl_easy_setopt(h, o, v);
}

static inline CURLcode swapsync_easy_setopt_seek_callback(CURL *h, CURLoption o, swapsync_curl_seek_callback v) {
  return curl_easy_setopt(h, o, v);
}

static inline CURLcode swapsync_easy_getinfo_long(CURL *h, CURLINFO i, long *v) {
  return curl_easy_getinfo(h, i, v);
}
static inline CURLcode swapsync_easy_getinfo_off_t(CURL *h, CURLINFO i, curl_off_t *v) {
  return curl_easy_getinfo(h, i, v);
}
static inline CURLcode swapsync_easy_getinfo_string(CURL *h, CURLINFO i, char **v) {
  return curl_easy_getinfo(h, i, v);
}
static inline CURLcode swapsync_easy_getinfo_pointer(CURL *h, CURLINFO i, void **v) {
  return curl_easy_getinfo(h, i, v);
}

static inline CURLMcode swapsync_multi_setopt_long(CURLM *m, CURLMoption o, long v) {
  return curl_multi_setopt(m, o, v);
}

/// Ignore SIGPIPE process-wide: a peer closing a socket must not kill us.
static inline void swapsync_ignore_sigpipe(void) {
  signal(SIGPIPE, SIG_IGN);
}

#endif
