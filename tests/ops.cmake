# The tests of the tools as an operator uses them, for include() from tests/CMakeLists.txt:
# inputs as tcpdump and tshark give them, streams and signals, versions, installing.
#
#   ctest -L ops      all of them
#
# Exit code 77 means "cannot run here" (a tool missing, not root) and is shown as skipped.

set(LQ_REPLAY_BIN $<TARGET_FILE:linkquic-replay>)

# gzip and zstd copies of real captures read directly (file, stdin, two members); damaged ones
# give what was read, then one line naming the file and the codec.
add_test(NAME inputs
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/inputs.sh ${LQ_REPLAY_BIN}
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(inputs PROPERTIES LABELS "ops;errors" TIMEOUT 60 SKIP_RETURN_CODE 77)

# A pcap or pcapng file read in place gives what the stream readers give from standard input:
# byte orders, time units, a short snapshot, LINKTYPE_RAW, public pcapng files, cut files; a
# file shrinking under the reader.
add_test(NAME inplace
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/inplace.sh ${LQ_REPLAY_BIN}
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(inplace PROPERTIES LABELS "ops;errors" TIMEOUT 60)

# A capture fed slowly through a pipe: its first records before the input ends; SIGINT and
# SIGTERM stop cleanly (130, 143) with the summary; -l writes a record a write(2).
add_test(NAME stream
         COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/stream.py ${LQ_REPLAY_BIN}
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(stream PROPERTIES LABELS ops TIMEOUT 120)

# linkquic-live as a service runs it: the monitored interface deleted and made again (one
# line each, attached again in every attach mode; --iface-gone exit stops with 4), -w - to
# standard output, -m as in linkquic-replay (about 25 s, as root).
add_test(NAME live_ops
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/live_ops.sh ${CMAKE_BINARY_DIR}
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(live_ops PROPERTIES LABELS "ops;live;root" SKIP_RETURN_CODE 77
                     TIMEOUT 120 RUN_SERIAL TRUE)

# linkquic-live --metrics: QUIC transfers through namespaces, the scrape checked by promtool,
# and a real Prometheus (Debian's) scraping it answers the queries with the tool's own counts
# (about 15 s, as root; skipped without curl, prometheus, promtool or ngtcp2).
add_test(NAME live_metrics
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/live_metrics.sh ${CMAKE_BINARY_DIR}
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(live_metrics PROPERTIES LABELS "ops;live;root" SKIP_RETURN_CODE 77
                     TIMEOUT 120 RUN_SERIAL TRUE)

# cmake --install to a fresh prefix: the binaries run, the man pages are found by man(1),
# lint clean and name every option of --help (and every metric), the bash completion
# completes, and systemd-analyze verify passes the unit (a few seconds each).
foreach(case man completion systemd)
  add_test(NAME install_${case}
           COMMAND bash ${CMAKE_SOURCE_DIR}/tests/install.sh ${CMAKE_BINARY_DIR} ${case}
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(install_${case} PROPERTIES LABELS "ops;install" SKIP_RETURN_CODE 77
                       TIMEOUT 60)
endforeach()
