# The live tests, for include() from tests/CMakeLists.txt (needs the linkquic-live target).
#
#   ctest -L e2e      linkquic-live equals linkquic-replay on real QUIC traffic: client,
#                     router and server in network namespaces, ngtcp2 transfers, the
#                     monitors and tcpdump on the same interfaces (about 20 s)
#   ctest -L live     that, and linkquic-live's bad input: one clear line, an error exit,
#                     nothing left attached (about 80 s)
#
# Both need root and exit 77 (shown as skipped) without it; the e2e test also skips when
# gtlsclient, gtlsserver, tcpdump or nft is missing. They load BPF programs and time
# packets, so they run alone.

add_test(NAME e2e_live
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/e2e_live.sh ${CMAKE_BINARY_DIR}
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(e2e_live PROPERTIES LABELS "e2e;live;root" SKIP_RETURN_CODE 77
                     TIMEOUT 300 RUN_SERIAL TRUE)

add_test(NAME live_errors
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/live_errors.sh ${CMAKE_BINARY_DIR}
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(live_errors PROPERTIES LABELS "errors;live;root" SKIP_RETURN_CODE 77
                     TIMEOUT 300 RUN_SERIAL TRUE)

# Nothing that drops outlives linkquic-live: kill -9 in every attach mode (XDP and tcx
# links go with it; a clsact orphan fails open once the heartbeat is stale, and the next
# start removes it), a live instance refused, and --guard-egress (about 3 minutes).
add_test(NAME live_faults
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/live_faults.sh ${CMAKE_BINARY_DIR}
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(live_faults PROPERTIES LABELS "e2e;live;root" SKIP_RETURN_CODE 77
                     TIMEOUT 600 RUN_SERIAL TRUE)
