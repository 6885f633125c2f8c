// The HTTP/1.1 response parser both HTTP clients read with.
#include "process/http_response.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace cnfctl::process {
namespace {

TEST(HttpResponse, ContentLengthChunkedAndUntilClose) {
  auto r = parse_http_response(
      "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 9\r\n\r\n"
      "{\"Id\":1}\nextra");
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.body, "{\"Id\":1}\n");
  EXPECT_EQ(r.headers.at("content-type"), "application/json");
  auto chunked = parse_http_response(
      "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: "
      "chunked\r\n\r\n4\r\nabcd\r\n2\r\nef\r\n0\r\n\r\n");
  EXPECT_EQ(chunked.status, 404);
  EXPECT_EQ(chunked.body, "abcdef");
  auto closed = parse_http_response("HTTP/1.0 200 OK\r\n\r\nuntil the end");
  EXPECT_EQ(closed.body, "until the end");
  auto empty = parse_http_response("HTTP/1.0 204 No Content\r\nServer: x\r\n\r\n");
  EXPECT_EQ(empty.status, 204);
  EXPECT_EQ(empty.body, "");
}

TEST(HttpResponse, IncompleteUntilTheWholeBodyIsThere) {
  EXPECT_FALSE(complete_http_response("HTTP/1.1 200 OK\r\nContent-Le", false));
  EXPECT_FALSE(complete_http_response("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab", false));
  EXPECT_FALSE(complete_http_response(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nab", false));
  EXPECT_FALSE(complete_http_response("HTTP/1.0 200 OK\r\n\r\nuntil", false));
  EXPECT_EQ(complete_http_response("HTTP/1.0 200 OK\r\n\r\nuntil", true)->body, "until");
}

TEST(HttpResponse, WhatIsNotHttpOrCutShortIsAnError) {
  EXPECT_THROW(parse_http_response("SSH-2.0-OpenSSH\r\n\r\n"), Error);
  EXPECT_THROW(parse_http_response("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"), Error);
  EXPECT_THROW(parse_http_response("HTTP/1.1 200 OK\r\nContent-Le"), Error);
  EXPECT_THROW(parse_http_response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nab"),
               Error);
}

}  // namespace
}  // namespace cnfctl::process
