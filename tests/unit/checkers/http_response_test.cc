#include "checkers/http/http_response.h"

#include <gtest/gtest.h>

namespace hadirector::checkers::http {
namespace {

ParseOutcome parse(std::string_view data, bool eof = false, ParseOptions options = {}) {
  return parse_http_response(data, eof, options);
}

TEST(HttpResponse, ParsesAContentLengthResponse) {
  auto out = parse("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello");
  ASSERT_EQ(out.status, ParseStatus::kComplete);
  EXPECT_EQ(out.response.status, 200);
  EXPECT_EQ(out.response.reason, "OK");
  ASSERT_EQ(out.response.headers.size(), 2u);
  EXPECT_EQ(out.response.headers[0].first, "content-type");
  EXPECT_EQ(out.response.headers[0].second, "text/plain");
  EXPECT_EQ(out.response.body, "hello");
  EXPECT_FALSE(out.response.body_truncated);
}

TEST(HttpResponse, NeedsMoreUntilContentLengthBytesArrive) {
  EXPECT_EQ(parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel").status,
            ParseStatus::kNeedMore);
  EXPECT_EQ(parse("HTTP/1.1 200 OK\r\nContent-Le").status, ParseStatus::kNeedMore);
  EXPECT_EQ(parse("").status, ParseStatus::kNeedMore);
}

TEST(HttpResponse, BodyCutShortByCloseIsAnError) {
  auto out = parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel", true);
  EXPECT_EQ(out.status, ParseStatus::kError);
  EXPECT_EQ(out.error, "truncated body");
}

TEST(HttpResponse, DecodesChunkedBodyWithExtensionsAndTrailers) {
  auto out = parse(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: yes\r\n\r\n");
  ASSERT_EQ(out.status, ParseStatus::kComplete);
  EXPECT_EQ(out.response.body, "hello, world");
}

TEST(HttpResponse, ChunkedNeedsTheTerminatingChunk) {
  EXPECT_EQ(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n").status,
            ParseStatus::kNeedMore);
  auto out = parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", true);
  EXPECT_EQ(out.status, ParseStatus::kError);
}

TEST(HttpResponse, RejectsABadChunkSize) {
  auto out = parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n");
  EXPECT_EQ(out.status, ParseStatus::kError);
  EXPECT_EQ(out.error, "bad chunk size");
}

TEST(HttpResponse, UnframedBodyRunsToConnectionClose) {
  EXPECT_EQ(parse("HTTP/1.0 200 OK\r\n\r\nsome body").status, ParseStatus::kNeedMore);
  auto out = parse("HTTP/1.0 200 OK\r\n\r\nsome body", true);
  ASSERT_EQ(out.status, ParseStatus::kComplete);
  EXPECT_EQ(out.response.body, "some body");
}

TEST(HttpResponse, CapsAnOversizedBodyAndSaysSo) {
  const std::string big(100 * 1024, 'x');
  auto out = parse("HTTP/1.1 200 OK\r\nContent-Length: 102400\r\n\r\n" + big.substr(0, 70000));
  ASSERT_EQ(out.status, ParseStatus::kComplete);
  EXPECT_EQ(out.response.body.size(), 64u * 1024);
  EXPECT_TRUE(out.response.body_truncated);
  auto chunked = parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n19000\r\n" + big);
  ASSERT_EQ(chunked.status, ParseStatus::kComplete);
  EXPECT_EQ(chunked.response.body.size(), 64u * 1024);
  EXPECT_TRUE(chunked.response.body_truncated);
}

TEST(HttpResponse, HeadResponseAnd204And304HaveNoBody) {
  ParseOptions head;
  head.head_request = true;
  auto out = parse("HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n", false, head);
  ASSERT_EQ(out.status, ParseStatus::kComplete);
  EXPECT_TRUE(out.response.body.empty());
  EXPECT_EQ(parse("HTTP/1.1 204 No Content\r\n\r\n").status, ParseStatus::kComplete);
  EXPECT_EQ(parse("HTTP/1.1 304 Not Modified\r\n\r\n").status, ParseStatus::kComplete);
}

TEST(HttpResponse, SkipsInterim100ContinueResponses) {
  auto out = parse("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n");
  ASSERT_EQ(out.status, ParseStatus::kComplete);
  EXPECT_EQ(out.response.status, 503);
}

TEST(HttpResponse, AcceptsBareLineFeedsAndAnEmptyReason) {
  auto out = parse("HTTP/1.1 200\nContent-Length: 2\n\nok");
  ASSERT_EQ(out.status, ParseStatus::kComplete);
  EXPECT_EQ(out.response.reason, "");
  EXPECT_EQ(out.response.body, "ok");
}

TEST(HttpResponse, RejectsBadStatusLines) {
  for (const char* line :
       {"HTTP/2 200 OK\r\n\r\n", "HTTP/1.1 2000 OK\r\n\r\n", "HTTP/1.1 abc OK\r\n\r\n",
        "SSH-2.0-OpenSSH\r\n\r\n", "HTTP/1.1 099 Low\r\n\r\n"}) {
    EXPECT_EQ(parse(line).status, ParseStatus::kError) << line;
  }
}

TEST(HttpResponse, RejectsMalformedHeadersAndBadContentLength) {
  EXPECT_EQ(parse("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n").status, ParseStatus::kError);
  EXPECT_EQ(parse("HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n").status, ParseStatus::kError);
  EXPECT_EQ(parse("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n").status, ParseStatus::kError);
  EXPECT_EQ(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n").status,
            ParseStatus::kError);
}

TEST(HttpResponse, RejectsHeadersLargerThanTheCap) {
  std::string huge = "HTTP/1.1 200 OK\r\n";
  while (huge.size() < 20 * 1024) huge += "X-Filler: 0123456789012345678901234567890123456789\r\n";
  auto out = parse(huge);
  EXPECT_EQ(out.status, ParseStatus::kError);
  EXPECT_EQ(out.error, "headers too large");
}

TEST(HttpResponse, CloseBeforeAnyBytesIsAnError) {
  EXPECT_EQ(parse("", true).status, ParseStatus::kError);
  EXPECT_EQ(parse("HTTP/1.1 200 OK\r\nA: b\r\n", true).status, ParseStatus::kError);
}

TEST(HttpResponse, KeepAliveWhenPersistentFramedAndReadWhole) {
  const std::string ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  EXPECT_TRUE(parse(ok).response.keep_alive);
  EXPECT_TRUE(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n")
                  .response.keep_alive);
  EXPECT_TRUE(parse("HTTP/1.1 204 No Content\r\n\r\n").response.keep_alive);
  EXPECT_TRUE(parse("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok")
                  .response.keep_alive);
}

TEST(HttpResponse, NoKeepAliveWhenClosedUnframedTruncatedOrFollowedByMore) {
  const auto keep = [](std::string_view data, bool eof = false, ParseOptions options = {}) {
    auto out = parse(data, eof, options);
    EXPECT_EQ(out.status, ParseStatus::kComplete) << data;
    return out.response.keep_alive;
  };
  EXPECT_FALSE(
      keep("HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\nContent-Length: 2\r\n\r\nok"));
  EXPECT_FALSE(keep("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"));
  EXPECT_FALSE(keep("HTTP/1.1 200 OK\r\n\r\nbody to the close", true));
  EXPECT_FALSE(keep("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", true));
  EXPECT_FALSE(keep("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200"));
  EXPECT_FALSE(keep("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n123456789", false,
                    ParseOptions{.max_body = 4}));
}

}  // namespace
}  // namespace hadirector::checkers::http
