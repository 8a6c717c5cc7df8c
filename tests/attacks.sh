#!/usr/bin/env bash
# tests/attacks.sh BIN - the guard's attack captures (pcaps/attack/, written by
# pcaps/attacks.py): under each attack the real connections are followed and passed as in the
# attack's control capture (tests/attacks_check.py), in user space; as root, `--compare` then
# checks that the kernel program gives every frame the very same record (every field) and
# leaves the same maps, so what holds in user space holds through the kernel program (the
# two captures of an attack in one `--compare --batch`: one load of the program). Also that
# pcaps/attacks.py still makes pcaps/attack/ byte for byte.
#
# Exit: 0 all hold, 1 one does not, 2 usage.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib/bin.sh"
lq_bin attacks "$@"
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
DIR=pcaps/attack
TMP=$(mktemp -d) || exit 2
trap 'rm -rf "$TMP"' EXIT
fail=0

# the captures are what the model makes
python3 pcaps/attacks.py --out "$TMP/made" >/dev/null || { echo "attacks: pcaps/attacks.py failed"; exit 1; }
for name in $( (ls "$TMP/made"; ls "$DIR" | grep -v '^README') | sort -u); do
	if ! cmp -s "$TMP/made/$name" "$DIR/$name"; then
		echo "attacks: $DIR/$name differs from what pcaps/attacks.py makes now (or is missing)"
		fail=1
	fi
done

modes=(user)
[ "$(id -u)" = 0 ] || echo "attacks: the kernel part skipped: needs root"
n=0
for cap in "$DIR"/*.pcap; do
	case "$cap" in *-control.pcap) continue ;; esac
	name=$(basename "$cap" .pcap)
	ctl=$DIR/$name-control.pcap
	where=$(sed -n '1s/.*the attacker is //p' "$DIR/$name.opts")
	read -r -a opts < <(grep -v '^#' "$DIR/$name.opts")
	for mode in "${modes[@]}"; do
		extra=()
		[ "$mode" = kernel ] && extra=(--kernel)
		for c in "$cap" "$ctl"; do
			if ! "$BIN" "${extra[@]}" "${opts[@]}" -f jsonl "$c" >"$TMP/$(basename "$c").$mode.jsonl" \
				2>"$TMP/err"; then
				echo "attacks [$name/$mode]: $BIN ${extra[*]} ${opts[*]} $c failed: $(head -1 "$TMP/err")"
				fail=1
			fi
		done
		python3 tests/attacks_check.py "$name/$mode" "$DIR/$name.truth" "$cap" "$where" \
			"$TMP/$name.pcap.$mode.jsonl" "$DIR/$name-control.truth" \
			"$TMP/$name-control.pcap.$mode.jsonl" || fail=1
	done
	if [ "$(id -u)" = 0 ]; then
		out=$("$BIN" --compare --batch "${opts[@]}" "$cap" "$ctl" 2>&1)
		rc=$?
		for c in "$cap" "$ctl"; do
			last=$(lq_batch_part "$c" <<<"$out" | tail -n 1)
			if [ $rc != 0 ] || [[ $last != agree:* ]]; then
				echo "attacks [$(basename "$c" .pcap)]: replay and --kernel disagree (exit $rc):"
				head -n 20 <<<"$out" | sed 's/^/    /'
				fail=1
			fi
		done
	fi
	n=$((n + 1))
done
[ "$n" -gt 0 ] || { echo "attacks: no capture in $DIR"; exit 1; }
if [ "$fail" = 0 ]; then
	if [ "$(id -u)" = 0 ]; then
		echo "attacks: $n attacks, each as its control for the real connections; replay and --kernel agree on every frame"
	else
		echo "attacks: $n attacks, each as its control for the real connections (user space only)"
	fi
fi
exit "$fail"
