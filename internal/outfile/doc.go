// Package outfile is where specplan's command-line output goes: files named
// by -o, standard output, and the escaping of untrusted text on the way.
//
// Contract for Create (the only way the CLI opens an output file):
//
//   - "-" is standard output. With Options.Binary a terminal is refused:
//     binary data on a terminal is garbage at best and escape sequences at
//     worst.
//   - A target that does not exist, or is a regular file, is replaced
//     atomically: the data goes to a temporary file in the same directory
//     (".NAME.*.tmp"), which is synced and renamed over the target by Commit.
//     Readers see the old file or the new one, never half of one. A new file
//     gets mode 0644; a replaced file keeps its permission bits.
//   - A symbolic link is refused (ErrSymlink). Renaming over it would replace
//     the link, following it into a rename would replace whatever file it
//     names (a link planted in a shared directory could aim anywhere the user
//     can write), and writing through it in place gives up atomicity.
//   - A FIFO or a character device (/dev/null, /dev/full, /dev/stdout's
//     target, a terminal) is written in place, as a shell redirection would:
//     it is opened without O_CREAT or O_TRUNC and never renamed or removed,
//     so the node is untouched. Opening a FIFO waits for its reader, like
//     any writer. A terminal is refused with Options.Binary.
//   - A directory, a block device, a socket or anything else is refused
//     (ErrNotWritable). A block device is a disk: writing an export over it
//     in place is never what -o meant.
//   - Errors name the target, never the temporary file, and are *Error
//     values whose Err is one of the sentinels or the system's errno.
//   - While a temporary file exists, SIGINT, SIGTERM and SIGHUP remove it
//     first and then take their usual course (the signal is raised again;
//     with no other handler the process dies of it). SIGKILL cannot be
//     caught; a leftover ".NAME.*.tmp" is then all that remains, and the
//     target is untouched.
//
// Checked wraps standard output so that the first write error is kept and
// reported once (a full disk is an error; a reader that went away is not).
// SafeWriter, put around standard output and standard error, rewrites
// every unsafe rune but newline and tab as a visible escape, whoever
// printed it. Fprintf escapes its text arguments (newlines included), so
// that input text cannot forge a line; JSON writes JSON whose unsafe runes
// are \u escapes (exact for a JSON reader); EscapeDOT and EscapeText do the
// same for DOT and Mermaid exports.
package outfile
