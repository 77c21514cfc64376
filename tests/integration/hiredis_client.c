/* A real hiredis client: PING, binary-safe ECHO, HELLO, pipelining, error replies, and what a
 * RESP2-only hiredis makes of a RESP3 map.
 *
 *   hiredis_client PORT [SERVER_NAME]     (SERVER_NAME defaults to "kizuna")
 *
 * Exits 0 when every check passes; otherwise prints the failed check and exits 1. The test
 * runs it against redis-server too (with SERVER_NAME "redis"), which proves the checks describe
 * Redis behaviour rather than kizuna's.
 *
 * Debian 12 ships hiredis 0.14, which predates RESP3: it parses RESP2 only. HELLO 2 is therefore
 * checked field by field, and HELLO 3 is checked to be answered with a map: hiredis 0.14 fails
 * on exactly the '%' type byte. Full RESP3 parsing is covered by the Python raw-socket reader
 * and redis-cli -3. */
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond, what)                          \
  do {                                             \
    if (!(cond)) {                                 \
      fprintf(stderr, "check failed: %s\n", what); \
      return 1;                                    \
    }                                              \
  } while (0)

static int is_status(const redisReply* r, const char* text) {
  return r && r->type == REDIS_REPLY_STATUS && strcmp(r->str, text) == 0;
}

static int is_string(const redisReply* r, const char* data, size_t len) {
  return r && r->type == REDIS_REPLY_STRING && r->len == len && memcmp(r->str, data, len) == 0;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s PORT [SERVER_NAME]\n", argv[0]);
    return 2;
  }
  const char* server_name = argc > 2 ? argv[2] : "kizuna";
  struct timeval timeout = {10, 0};
  redisContext* c = redisConnectWithTimeout("127.0.0.1", atoi(argv[1]), timeout);
  CHECK(c && !c->err, "connect");
  redisSetTimeout(c, timeout);

  redisReply* r = redisCommand(c, "PING");
  CHECK(is_status(r, "PONG"), "PING -> +PONG");
  freeReplyObject(r);

  r = redisCommand(c, "PING %s", "hello");
  CHECK(is_string(r, "hello", 5), "PING hello -> bulk hello");
  freeReplyObject(r);

  /* NUL, CR, LF and high bytes inside an argument survive the round trip. */
  const char binary[] = "a\0b\r\nc\xff\r\n";
  r = redisCommand(c, "ECHO %b", binary, sizeof(binary) - 1);
  CHECK(is_string(r, binary, sizeof(binary) - 1), "binary-safe ECHO");
  freeReplyObject(r);

  r = redisCommand(c, "ECHO %b", "", (size_t)0);
  CHECK(is_string(r, "", 0), "ECHO of an empty string");
  freeReplyObject(r);

  r = redisCommand(c, "HELLO 2");
  CHECK(r && r->type == REDIS_REPLY_ARRAY && r->elements == 14, "HELLO 2: 7 key/value pairs");
  const char* keys[] = {"server", "version", "proto", "id", "mode", "role", "modules"};
  for (int i = 0; i < 7; i++) {
    CHECK(r->element[2 * i]->type == REDIS_REPLY_STRING, "HELLO keys are bulk strings");
    CHECK(strcmp(r->element[2 * i]->str, keys[i]) == 0, "HELLO keys in Redis order");
  }
  CHECK(strcmp(r->element[1]->str, server_name) == 0, "HELLO server name");
  CHECK(r->element[5]->type == REDIS_REPLY_INTEGER && r->element[5]->integer == 2, "proto 2");
  CHECK(r->element[7]->type == REDIS_REPLY_INTEGER && r->element[7]->integer > 0, "id > 0");
  CHECK(strcmp(r->element[9]->str, "standalone") == 0, "mode standalone");
  CHECK(strcmp(r->element[11]->str, "master") == 0, "role master");
  CHECK(r->element[13]->type == REDIS_REPLY_ARRAY && r->element[13]->elements == 0,
        "modules is an empty array");
  long long id = r->element[7]->integer;
  freeReplyObject(r);

  r = redisCommand(c, "CLIENT ID");
  CHECK(r && r->type == REDIS_REPLY_INTEGER && r->integer == id, "CLIENT ID equals HELLO id");
  freeReplyObject(r);

  /* 1,000 pipelined commands: one write, replies in order. */
  for (int i = 0; i < 1000; i++) redisAppendCommand(c, i % 2 ? "ECHO %d" : "PING %d", i);
  for (int i = 0; i < 1000; i++) {
    CHECK(redisGetReply(c, (void**)&r) == REDIS_OK, "pipelined reply");
    char want[16];
    int n = snprintf(want, sizeof(want), "%d", i);
    CHECK(is_string(r, want, (size_t)n), "pipelined replies in order");
    freeReplyObject(r);
  }

  r = redisCommand(c, "NOSUCHCOMMAND x");
  CHECK(r && r->type == REDIS_REPLY_ERROR &&
            strcmp(r->str, "ERR unknown command 'NOSUCHCOMMAND', with args beginning with: 'x' ") ==
                0,
        "unknown command: error reply with Redis wording");
  freeReplyObject(r);

  r = redisCommand(c, "ECHO");
  CHECK(r && r->type == REDIS_REPLY_ERROR &&
            strcmp(r->str, "ERR wrong number of arguments for 'echo' command") == 0,
        "wrong arity: error reply with Redis wording");
  freeReplyObject(r);

  r = redisCommand(c, "PING");
  CHECK(is_status(r, "PONG"), "connection usable after error replies");
  freeReplyObject(r);

  /* Last, as it leaves the context unusable: hiredis 0.14 rejects the RESP3 map type byte. */
  r = redisCommand(c, "HELLO 3");
  CHECK(r == NULL && c->err == REDIS_ERR_PROTOCOL && strstr(c->errstr, "\"%\"") != NULL,
        "HELLO 3 is answered with a RESP3 map ('%' type byte)");
  redisFree(c);
  printf("hiredis %d.%d.%d client against %s: all checks passed\n", HIREDIS_MAJOR, HIREDIS_MINOR,
         HIREDIS_PATCH, server_name);
  return 0;
}
