// The least a first sync has to do with libcurl, for `make bench` (scripts/bench.py): per entry,
// a submit on a fresh connection, fetches until the job is done, and a download of its result
// into a temporary file that is fsynced, renamed into place, and whose folder is fsynced. Up to
// 64 entries in flight on one thread and one multi handle, no journal, no checksum, no checks.
// Its CPU time is a floor for swapsync's, measured against the same emulator in the same run.
//
//   bench_floor API_BASE API_KEY COUNT FOLDER
//
// Answers are parsed just enough to find "jobId" and "cdnImage" (the emulator's answers).
#include <curl/curl.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { IN_FLIGHT = 64, ANSWER = 8192 };
enum Step { SUBMIT, FETCH, DOWNLOAD };

typedef struct {
  CURL *easy;
  int entry;
  enum Step step;
  int fd;  // the result's temporary file while downloading, else -1
  char answer[ANSWER];
  size_t length;
  char job[128];
  char url[1024];
  char body[512];
} Slot;

static const char *api, *key, *folder;
static int folder_fd;
static struct curl_slist *headers;

static void fail(const char *what) {
  fprintf(stderr, "bench_floor: %s\n", what);
  exit(1);
}

static size_t received(char *data, size_t size, size_t count, void *context) {
  Slot *slot = context;
  size_t bytes = size * count;
  if (slot->fd >= 0) {
    if (write(slot->fd, data, bytes) != (ssize_t)bytes) fail("write");
  } else {
    if (slot->length + bytes >= ANSWER) fail("answer too long");
    memcpy(slot->answer + slot->length, data, bytes);
    slot->length += bytes;
    slot->answer[slot->length] = 0;
  }
  return bytes;
}

// Copies the string value of "name" in the slot's answer into out; 0 when absent.
static int field(Slot *slot, const char *name, char *out, size_t room) {
  char pattern[64];
  snprintf(pattern, sizeof pattern, "\"%s\":\"", name);
  const char *start = strstr(slot->answer, pattern);
  if (!start) return 0;
  start += strlen(pattern);
  const char *end = strchr(start, '"');
  if (!end || (size_t)(end - start) >= room) return 0;
  memcpy(out, start, end - start);
  out[end - start] = 0;
  return 1;
}

static void start(CURLM *multi, Slot *slot) {
  CURL *easy = slot->easy;
  slot->length = 0;
  slot->answer[0] = 0;
  slot->fd = -1;
  curl_easy_setopt(easy, CURLOPT_FRESH_CONNECT, slot->step == SUBMIT ? 1L : 0L);
  curl_easy_setopt(easy, CURLOPT_FORBID_REUSE, slot->step == SUBMIT ? 1L : 0L);
  if (slot->step == DOWNLOAD) {
    char path[512];
    snprintf(path, sizeof path, "%s/.tmp-%d", folder, slot->entry);
    slot->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (slot->fd < 0) fail("open");
    curl_easy_setopt(easy, CURLOPT_URL, slot->url);
    curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, NULL);
  } else {
    char url[512];
    snprintf(url, sizeof url, "%s/insightFace/v1/%s", api, slot->step == SUBMIT ? "swap" : "fetch");
    if (slot->step == SUBMIT)
      snprintf(slot->body, sizeof slot->body,
               "{\"targetImage\":\"%s/samples/target-floor-%d.png\",\"swapImage\":\"%s/samples/face-floor.png\"}",
               api, slot->entry, api);
    else
      snprintf(slot->body, sizeof slot->body, "{\"jobId\":\"%s\"}", slot->job);
    curl_easy_setopt(easy, CURLOPT_URL, url);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, slot->body);
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
  }
  if (curl_multi_add_handle(multi, easy) != CURLM_OK) fail("curl_multi_add_handle");
}

// Moves the downloaded result into place durably.
static void install(Slot *slot) {
  char from[512], to[512];
  snprintf(from, sizeof from, "%s/.tmp-%d", folder, slot->entry);
  snprintf(to, sizeof to, "%s/e%d.png", folder, slot->entry);
  if (fsync(slot->fd) != 0 || close(slot->fd) != 0) fail("fsync");
  slot->fd = -1;
  if (rename(from, to) != 0 || fsync(folder_fd) != 0) fail("rename");
}

int main(int argc, char **argv) {
  if (argc != 5) fail("usage: bench_floor API_BASE API_KEY COUNT FOLDER");
  api = argv[1];
  key = argv[2];
  int count = atoi(argv[3]);
  folder = argv[4];
  folder_fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (folder_fd < 0) fail("open folder");
  if (curl_global_init(CURL_GLOBAL_ALL) != CURLE_OK) fail("curl_global_init");
  char header[256];
  snprintf(header, sizeof header, "TT-API-KEY: %s", key);
  headers = curl_slist_append(curl_slist_append(NULL, header), "Content-Type: application/json");
  CURLM *multi = curl_multi_init();
  if (!multi) fail("curl_multi_init");
  static Slot slots[IN_FLIGHT];
  int next = 0, finished = 0;
  for (int i = 0; i < IN_FLIGHT && next < count; i++) {
    Slot *slot = &slots[i];
    slot->easy = curl_easy_init();
    if (!slot->easy) fail("curl_easy_init");
    curl_easy_setopt(slot->easy, CURLOPT_WRITEFUNCTION, received);
    curl_easy_setopt(slot->easy, CURLOPT_WRITEDATA, slot);
    curl_easy_setopt(slot->easy, CURLOPT_PRIVATE, slot);
    curl_easy_setopt(slot->easy, CURLOPT_NOSIGNAL, 1L);
    slot->entry = next++;
    slot->step = SUBMIT;
    start(multi, slot);
  }
  while (finished < count) {
    int running;
    if (curl_multi_perform(multi, &running) != CURLM_OK) fail("curl_multi_perform");
    CURLMsg *message;
    int left;
    while ((message = curl_multi_info_read(multi, &left))) {
      if (message->msg != CURLMSG_DONE) continue;
      Slot *slot;
      curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, (char **)&slot);
      long status = 0;
      curl_easy_getinfo(slot->easy, CURLINFO_RESPONSE_CODE, &status);
      if (message->data.result != CURLE_OK || status != 200) fail(curl_easy_strerror(message->data.result));
      curl_multi_remove_handle(multi, slot->easy);
      switch (slot->step) {
      case SUBMIT:
        if (!field(slot, "jobId", slot->job, sizeof slot->job)) fail("no jobId in the submit's answer");
        slot->step = FETCH;
        break;
      case FETCH:
        // Not done yet: fetch again (the bench's jobs take 0 ms, so this is rare).
        if (field(slot, "cdnImage", slot->url, sizeof slot->url)) slot->step = DOWNLOAD;
        break;
      case DOWNLOAD:
        install(slot);
        finished++;
        if (next >= count) continue;
        slot->entry = next++;
        slot->step = SUBMIT;
        break;
      }
      start(multi, slot);
    }
    if (curl_multi_poll(multi, NULL, 0, 1000, NULL) != CURLM_OK) fail("curl_multi_poll");
  }
  return 0;
}
