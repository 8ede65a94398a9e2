#include "checkers/smtp/smtp_reply.h"

namespace hadirector::checkers::smtp {

namespace {

std::unexpected<core::Error> bad(std::string what) {
  return core::fail(core::Errc::kProtocol, std::move(what));
}

// RFC 5321 §4.2: the first digit is 2-5, the second 0-5, the third 0-9.
bool valid_code(std::string_view line) {
  return line.size() >= 3 && line[0] >= '2' && line[0] <= '5' && line[1] >= '0' && line[1] <= '5' &&
         line[2] >= '0' && line[2] <= '9';
}

}  // namespace

core::Result<SmtpParse> parse_smtp_reply(std::string_view buffer) {
  SmtpParse out;
  SmtpReply reply;
  size_t at = 0;
  for (;;) {
    const size_t newline = buffer.find('\n', at);
    if (newline == std::string_view::npos) {
      if (buffer.size() - at > kMaxLine)
        return bad("reply line longer than " + std::to_string(kMaxLine) + " bytes");
      return out;  // incomplete
    }
    std::string_view line = buffer.substr(at, newline - at);
    if (line.size() > kMaxLine)
      return bad("reply line longer than " + std::to_string(kMaxLine) + " bytes");
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!valid_code(line)) return bad("reply line without a reply code");
    const int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    if (!reply.lines.empty() && code != reply.code)
      return bad("reply code changes from " + std::to_string(reply.code) + " to " +
                 std::to_string(code) + " within one reply");
    if (line.size() > 3 && line[3] != ' ' && line[3] != '-')
      return bad("reply code not followed by a space or a hyphen");
    reply.code = code;
    reply.lines.emplace_back(line.size() > 4 ? line.substr(4) : std::string_view{});
    at = newline + 1;
    if (line.size() == 3 || line[3] == ' ') break;
    if (reply.lines.size() >= kMaxLines)
      return bad("reply of more than " + std::to_string(kMaxLines) + " lines");
  }
  out.reply = std::move(reply);
  out.consumed = at;
  return out;
}

}  // namespace hadirector::checkers::smtp
