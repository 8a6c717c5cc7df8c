# tests/lib/shared.sh - where the public captures are (sourced from the repo root).
#
# They live outside the repository, in a read-only shared/ directory beside
# the checkout (shared/pcaps-public/MANIFEST.tsv). LQ_SHARED names it when
# it is elsewhere; otherwise ../shared is tried, then /work/shared (where
# this project's machines and CI keep it). Sets SHARED; empty if none.
SHARED=
for d in "${LQ_SHARED:-}" ../shared /work/shared; do
	if [ -n "$d" ] && [ -f "$d/pcaps-public/MANIFEST.tsv" ]; then
		SHARED=$d
		break
	fi
done
[ -n "$SHARED" ] || SHARED=${LQ_SHARED:-../shared}
