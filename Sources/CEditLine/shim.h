#include <stdio.h>
#include <editline/readline.h>

// Swift 6 rejects direct use of libedit's mutable globals as shared mutable state; these
// helpers are called only from the thread that runs readline() (or its key callbacks).

static inline void cairn_rl_set_done(int done) { rl_done = done; }

// readline() resets libedit's terminal settings on every call, so ^C is made an ordinary key
// (no SIGINT) just before each line is read.
static inline int cairn_rl_disable_signal_keys(void) { return rl_parse_and_bind("setty -d -isig"); }

static inline void cairn_rl_setup(void) {
    rl_readline_name = "cairn";
    rl_pre_input_hook = cairn_rl_disable_signal_keys;
}
