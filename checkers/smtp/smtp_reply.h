// Parser for SMTP replies (RFC 5321 §4.2): one or more lines "NNN-text" ending with a line
// "NNN text" (or a bare "NNN"), all with the same code. It reads from the start of a receive
// buffer and says how many bytes the reply took, or that more bytes are needed. Pure; bare LF
// line ends are tolerated, over-long lines and replies are errors. It does not drive a session.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/result.h"

namespace hadirector::checkers::smtp {

// RFC 5321 §4.5.3.1.5 allows 512 octets; be generous with servers that exceed it.
inline constexpr size_t kMaxLine = 2048;
inline constexpr size_t kMaxLines = 200;

struct SmtpReply {
  int code = 0;                    // 200..559
  std::vector<std::string> lines;  // the text of each line, after "NNN-" / "NNN "
};

struct SmtpParse {
  std::optional<SmtpReply> reply;  // nullopt: the reply is not complete yet
  size_t consumed = 0;             // bytes of the buffer the reply took
};

// Fails (kProtocol) on a line that does not start with a reply code, on a code that changes
// between lines, and on a line or reply over the limits above.
core::Result<SmtpParse> parse_smtp_reply(std::string_view buffer);

}  // namespace hadirector::checkers::smtp
