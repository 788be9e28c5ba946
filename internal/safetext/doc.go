// Package safetext makes untrusted text safe to print: to a terminal, a
// pipe or a log that a person reads later.
//
// Contract: the output of Escape contains no C0 or C1 control character
// (tab excepted where the caller allows it), no DEL, no invalid UTF-8 and no
// bidirectional formatting character (U+202A–U+202E, U+2066–U+2069, U+200E,
// U+200F, U+061C), so that a file name, a tool result or a model's text can
// neither send an escape sequence to a terminal, nor forge a line of output,
// nor reorder what a reader sees. Escaping is visible (`\x1b`, `\n`,
// `\u202e`) rather than silent, so a reader can tell that something was
// there, and Escape of text that needs no escaping returns it unchanged.
package safetext
