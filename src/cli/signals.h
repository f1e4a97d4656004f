// Waiting for the signals that end a long-running subcommand.
#ifndef HEIMDALL_CLI_SIGNALS_H_
#define HEIMDALL_CLI_SIGNALS_H_

namespace heimdall::cli {

// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread and every thread it
// starts afterwards, so they can be taken with WaitForTerminationSignal, and
// ignores SIGPIPE: a service whose log pipe closes (`up | head`, a log
// shipper restarting) keeps running, its log writes failing, rather than
// dying without stopping what it started. Call before starting any thread.
void TakeOverSignals();

// Waits until one of the blocked signals arrives and returns its number.
int WaitForTerminationSignal();

}  // namespace heimdall::cli

#endif  // HEIMDALL_CLI_SIGNALS_H_
