# shellcheck shell=bash
# tests/lib/bin.sh - the start of the tests that take the tool to run as
# their one argument:
#
#     . "$(dirname "${BASH_SOURCE[0]}")/lib/bin.sh"
#     lq_bin NAME "$@"
#
# checks there is one argument, sets BIN to it as an absolute path (a bare
# name is looked up in PATH), and exits 2 with one line when it is no
# executable. NAME prefixes the error line. The tests of linkquic-live take
# the build directory instead: lq_live_bin NAME "$@" sets BUILD and LIVE.
lq_bin() {
	local name=$1
	shift
	[ $# -eq 1 ] || { echo "usage: $0 BIN" >&2; exit 2; }
	case $1 in
	*/*) BIN=$(cd "$(dirname "$1")" 2>/dev/null && pwd)/$(basename "$1") ;;
	*) BIN=$(command -v "$1") ;;
	esac
	[ -x "$BIN" ] || { echo "$name: '$1' is not an executable" >&2; exit 2; }
}

lq_live_bin() {
	local name=$1 f
	shift
	[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
	BUILD=$(cd "$1" 2>/dev/null && pwd) || { echo "$name: no directory '$1'" >&2; exit 2; }
	LIVE=
	for f in "$BUILD/live/linkquic-live" "$BUILD/linkquic-live"; do
		[ -x "$f" ] && { LIVE=$f; break; }
	done
	[ -n "$LIVE" ] || { echo "$name: no linkquic-live in '$BUILD' (build it first)" >&2; exit 2; }
}

# lq_batch_part CAPTURE < OUTPUT: the report of one capture in the output of
# `linkquic-replay --compare --batch`, the lines after its '== CAPTURE' line.
lq_batch_part() {
	awk -v f="== $1" '$0 == f { on = 1; next } /^== / { on = 0 } on'
}
