// SdNotify: tells systemd about start-up and shutdown (Type=notify services) by sending one
// datagram to the unix socket named in $NOTIFY_SOCKET, as sd_notify(3) does, without linking
// libsystemd. A no-op when the variable is unset (not started by systemd).
//
//   SdNotify("READY=1");      // data loaded, clients are served
//   SdNotify("STOPPING=1");   // shutdown begins
#ifndef KIZUNA_SERVER_SD_NOTIFY_H_
#define KIZUNA_SERVER_SD_NOTIFY_H_

#include <string_view>

namespace kizuna::server {

// Returns true when the datagram was sent; false when there is no socket or sending failed
// (which never stops the server: systemd then times out or the admin sees it).
bool SdNotify(std::string_view state);

}  // namespace kizuna::server

#endif  // KIZUNA_SERVER_SD_NOTIFY_H_
