#pragma once
/// \file
/// The open-file limit of a process that holds many connections. A scheduler
/// behind the message guard holds seven descriptors per connected peer (two
/// sockets, CAF's end of the loopback socket, two splice pipes of two ends
/// each, less one shared), so the usual soft limit of 1,024 ran out at about
/// 146 peers while the hard limit (often 524,288 under systemd) was unused.

namespace troupe::runtime {

/// Raises the soft RLIMIT_NOFILE of this process to its hard limit, as
/// servers that hold many sockets do (nginx's worker_rlimit_nofile, systemd's
/// default for services). Returns the soft limit afterwards; -1 when it cannot
/// be read. Never lowers it; a refusal leaves it as it was.
long raise_open_file_limit();

}  // namespace troupe::runtime
