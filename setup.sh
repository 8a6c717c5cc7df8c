#!/usr/bin/env bash
# setup.sh - everything from a fresh Debian 12 machine, as root:
#
#   ./setup.sh demo    install what is missing, build, replay a bundled capture
#   ./setup.sh test    install what is missing, build (plain and ASan/UBSan),
#                      run every test in both builds
#   ./setup.sh bench   install, build, run the benchmarks (prints figures)
#   ./setup.sh deps | build    the first steps alone
#
# Builds go to build/ and build-asan/. Nothing outside the checkout changes
# but Debian packages (apt-get). CI runs "./setup.sh test" (.ci/run).
set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")"

PACKAGES=(
	# build
	gcc make cmake pkg-config clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev
	libzstd-dev libpcap-dev libssl-dev libcmocka-dev
	# build: IPFIX export (--export)
	libfixbuf-dev
	# tests: the fuzz harnesses (libFuzzer's runtime)
	libclang-rt-14-dev
	# tests: captures, ground truth, network namespaces, real QUIC peers
	python3 tshark tcpdump ethtool iproute2 nftables util-linux procps openssl
	ngtcp2-client ngtcp2-server
	# tests: compressed captures, streams, man pages, the unit, the metrics
	gzip zstd mandoc man-db systemd curl prometheus
	# tests: IPFIX collectors (ipfixDump, nfacctd)
	libfixbuf-tools pmacct
	# benchmarks
	gnuplot-nox time
)

die() {
	echo "setup.sh: $*" >&2
	exit 1
}

deps() {
	local missing=() p
	for p in "${PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing+=("$p")
	done
	if [ ${#missing[@]} -eq 0 ]; then
		echo "setup.sh: all ${#PACKAGES[@]} packages present"
		return 0
	fi
	[ "$(id -u)" -eq 0 ] || die "installing ${missing[*]} needs root"
	echo "setup.sh: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq || die "apt-get update failed"
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
		die "apt-get install failed"
}

build() {
	local jobs
	jobs=$(nproc 2>/dev/null || echo 2)
	cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	make -C build -j"$jobs" --no-print-directory >/dev/null
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DLQ_SANITIZE=ON >/dev/null
	make -C build-asan -j"$jobs" --no-print-directory >/dev/null
	echo "setup.sh: built build/ and build-asan/"
}

demo() {
	echo
	echo "\$ build/linkquic-replay pcaps/ngtcp2/migration.pcap"
	build/linkquic-replay pcaps/ngtcp2/migration.pcap
}

run_tests() {
	local rc=0
	# ASan and BPF need a few settings: report leaks, stop at the first error
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
	echo "setup.sh: tests, plain build"
	ctest --test-dir build --output-on-failure --timeout 900 || rc=1
	echo "setup.sh: tests, ASan/UBSan build"
	# not the end-to-end tests (they time packets), nor parity: its user-space side is
	# what golden, truth and sweep run here, and fuzz_track_compare runs --compare
	ctest --test-dir build-asan --output-on-failure --timeout 900 -LE 'e2e|parity' || rc=1
	return $rc
}

case "${1:-}" in
deps) deps ;;
build) build ;;
demo)
	deps
	build
	demo
	;;
test)
	deps
	build
	run_tests
	;;
bench)
	deps
	build
	[ -x bench/run.sh ] || die "bench/run.sh is missing"
	bench/run.sh
	;;
*)
	sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
	exit 1
	;;
esac
