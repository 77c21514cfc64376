/* A real hiredis client against kizuna: PING, binary-safe ECHO, HELLO, pipelining and
 * error replies. Usage: hiredis_client PORT. Exit 0 on success; prints the failed check. */
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

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  redisContext* c = redisConnect("127.0.0.1", atoi(argv[1]));
  CHECK(c && !c->err, "connect");

  redisReply* r = redisCommand(c, "PING");
  CHECK(r && r->type == REDIS_REPLY_STATUS && strcmp(r->str, "PONG") == 0, "PING -> +PONG");
  freeReplyObject(r);

  const char binary[] = "a\0b\r\nc";
  r = redisCommand(c, "ECHO %b", binary, sizeof(binary) - 1);
  CHECK(r && r->type == REDIS_REPLY_STRING && r->len == sizeof(binary) - 1 &&
            memcmp(r->str, binary, r->len) == 0,
        "binary-safe ECHO");
  freeReplyObject(r);

  /* Debian 12 ships hiredis 0.14, which parses RESP2 only: HELLO 2 gives the same fields as a
   * flat array (RESP3 is covered by redis-cli -3 and raw-socket tests). */
  r = redisCommand(c, "HELLO 2");
  CHECK(r && r->type == REDIS_REPLY_ARRAY && r->elements == 14, "HELLO 2: 7 pairs");
  CHECK(strcmp(r->element[0]->str, "server") == 0 && strcmp(r->element[1]->str, "kizuna") == 0,
        "HELLO server=kizuna");
  CHECK(r->element[5]->type == REDIS_REPLY_INTEGER && r->element[5]->integer == 2, "proto 2");
  freeReplyObject(r);

  for (int i = 0; i < 1000; i++) redisAppendCommand(c, "ECHO %d", i);
  for (int i = 0; i < 1000; i++) {
    CHECK(redisGetReply(c, (void**)&r) == REDIS_OK, "pipelined reply");
    char want[16];
    snprintf(want, sizeof(want), "%d", i);
    CHECK(r->type == REDIS_REPLY_STRING && strcmp(r->str, want) == 0, "pipelined order");
    freeReplyObject(r);
  }

  r = redisCommand(c, "NOSUCHCOMMAND x");
  CHECK(r && r->type == REDIS_REPLY_ERROR && strncmp(r->str, "ERR unknown command", 19) == 0,
        "error reply type");
  freeReplyObject(r);

  r = redisCommand(c, "PING");
  CHECK(r && r->type == REDIS_REPLY_STATUS, "connection usable after an error");
  freeReplyObject(r);
  redisFree(c);
  puts("hiredis client: all checks passed");
  return 0;
}
