#!/usr/bin/env bash
# tests/install.sh - what `cmake --install` gives, installed to a fresh prefix:
#
#   man         both binaries run from the prefix (--version); linkquic-replay(1) and
#               linkquic-live(8) are where man(1) finds them, `mandoc -T lint` says nothing
#               of them, every option each tool's --help names is in its page, and every
#               metric linkquic-live serves (live/metrics.c) is in linkquic-live(8) and in
#               the README
#   completion  the installed bash completion, sourced: option prefixes and option values
#               complete to what --help offers
#   systemd     `systemd-analyze verify` finds nothing to say of an instance of the
#               installed linkquic-live@.service, whose ExecStart is the installed binary
#
# Usage: tests/install.sh BUILD_DIR man|completion|systemd
# Exit:  0 passed, 1 failed, 2 usage, 77 a tool missing (mandoc, man, systemd-analyze)
set -u

[ $# = 2 ] || { echo "usage: $0 BUILD_DIR man|completion|systemd" >&2; exit 2; }
BUILD=$(cd "$1" 2>/dev/null && pwd) || { echo "install: no directory '$1'" >&2; exit 2; }
CASE=$2
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export LC_ALL=C
need() {
	command -v "$1" >/dev/null 2>&1 || { echo "install $CASE: skipped: no '$1' (Debian package $2)"; exit 77; }
}
case $CASE in
man) need mandoc mandoc; need man man-db ;;
completion) ;;
systemd) need systemd-analyze systemd; need man man-db ;;
*) echo "usage: $0 BUILD_DIR man|completion|systemd" >&2; exit 2 ;;
esac

P=$(mktemp -d) || exit 2
trap 'rm -rf "$P"' EXIT
if ! out=$(cmake --install "$BUILD" --prefix "$P" 2>&1); then
	echo "FAIL install: cmake --install --prefix $P failed:"
	echo "$out" | tail -5
	exit 1
fi
failed=0
ok() { echo "ok   $1${2:+: $2}"; }
bad() { failed=1; echo "FAIL $1: $2"; }

# the options a tool's --help names, one a line ("--format", "--maps-every", ...)
help_opts() { "$1" --help | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u; }

case $CASE in
man)
	for t in linkquic-replay:1 linkquic-live:8; do
		tool=${t%:*} sec=${t#*:}
		bin=$P/bin/$tool page=$P/share/man/man$sec/$tool.$sec
		if ! v=$("$bin" --version 2>&1 | head -1) || [[ $v != "$tool "[0-9]* ]]; then
			bad "$tool" "$bin --version: '$v'"
			continue
		fi
		found=$(MANPATH=$P/share/man man -w "$sec" "$tool" 2>&1)
		if [ "$found" != "$page" ]; then
			bad "$tool($sec)" "man -w finds '$found', want $page"
			continue
		fi
		lint=$(mandoc -T lint -W warning "$page" 2>&1)
		[ -n "$lint" ] && { bad "$tool($sec) lint" "$lint"; continue; }
		text=$(mandoc -T ascii "$page" | sed "s/.\x08//g")
		missing=
		for o in $(help_opts "$bin"); do
			grep -qF -- "$o" <<<"$text" || missing+=" $o"
		done
		if [ -n "$missing" ]; then
			bad "$tool($sec) options" "in --help, not in the page:$missing"
		else
			ok "$tool($sec)" "$v; lint clean; the $(help_opts "$bin" | wc -l) options of --help all in it"
		fi
	done
	# every metric name served is documented (the ipfix ones as linkquic_ipfix_*)
	metrics=$(grep -oE '"linkquic_[a-z_]+' "$TOP/live/metrics.c" | tr -d '"' | grep -v '^linkquic_ipfix_$' | sort -u)
	text=$(mandoc -T ascii "$P/share/man/man8/linkquic-live.8" | sed "s/.\x08//g")
	missing= missing_readme=
	for m in $metrics linkquic_ipfix_; do
		grep -qF -- "$m" <<<"$text" || missing+=" $m"
		grep -qF -- "$m" "$TOP/README.md" || missing_readme+=" $m"
	done
	if [ -n "$missing$missing_readme" ]; then
		bad metrics "served but not documented: linkquic-live(8):${missing:- none}; README.md:${missing_readme:- none}"
	else
		ok metrics "$(wc -w <<<"$metrics") metric names, all in linkquic-live(8) and the README"
	fi
	;;
completion)
	f=$P/share/bash-completion/completions
	for t in linkquic-replay linkquic-live; do
		[ -f "$f/$t" ] || bad completion "no $f/$t"
	done
	# t "WORDS..." "WANT": the completions of the last word, sorted, space-separated
	out=$(PATH=$P/bin:$PATH bash -c '
		. "$1/linkquic-live"
		t() {
			local words got
			read -ra words <<<"$1"
			COMP_WORDS=("${words[@]}")
			COMP_CWORD=$((${#words[@]} - 1))
			COMPREPLY=()
			_linkquic "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
			got=$(printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " ")
			got=${got% }
			if [ "$got" = "$2" ]; then echo "ok   [$1] -> $got"
			else echo "FAIL [$1]: want \"$2\", got \"$got\""; fi
		}
		t "linkquic-live --met" "--metrics="
		t "linkquic-live --maps" "--maps --maps-every="
		t "linkquic-live --iface-gone=" "--iface-gone=exit --iface-gone=wait"
		t "linkquic-live --iface-gone e" "exit"
		t "linkquic-live --hook t" "tc"
		t "linkquic-live --tc-attach=c" "--tc-attach=clsact"
		t "linkquic-live --endpoint l" "lo"
		t "linkquic-replay --for" "--format="
		t "linkquic-replay -f j" "jsonl"
		t "linkquic-replay --comp" "--compare"
		t "linkquic-replay --str" "--stream"
		# the droppable classes, from --vocabulary: unsupported_version is never dropped
		t "linkquic-replay --guard-drop=un" "--guard-drop=unknown_version"
		t "linkquic-live --guard-drop cid" "cid_too_long"
	' _ "$f" 2>&1)
	echo "$out"
	grep -q '^FAIL' <<<"$out" && failed=1
	;;
systemd)
	unit=$P/lib/systemd/system/linkquic-live@.service
	[ -f "$unit" ] || { bad systemd "no $unit"; exit 1; }
	[ -f "$P/etc/default/linkquic-live" ] || bad systemd "no $P/etc/default/linkquic-live"
	exec_line=$(grep '^ExecStart=' "$unit")
	if [[ $exec_line != "ExecStart=$P/bin/linkquic-live "* ]]; then
		bad systemd "ExecStart is not the installed binary: $exec_line"
	fi
	# an instance: the template with an interface name; man(1) finds its Documentation=
	out=$(cd "$P/lib/systemd/system" && MANPATH=$P/share/man: systemd-analyze verify ./linkquic-live@eth0.service 2>&1)
	rc=$?
	if [ $rc != 0 ] || [ -n "$out" ]; then
		bad systemd "systemd-analyze verify linkquic-live@eth0.service: exit $rc: $out"
	elif [ $failed = 0 ]; then
		ok systemd "systemd-analyze verify linkquic-live@eth0.service: clean; $exec_line"
	fi
	;;
esac
exit $failed
