# The guard under a flood, for include() from tests/CMakeLists.txt (needs the
# linkquic-live target).
#
#   ctest -L guard    client, router, server and an attacker in network namespaces;
#                     linkquic-live --middlebox --guard on the router; tests/flood.py
#                     sends every garbage class and spoofed-looking Initials while
#                     ngtcp2 transfers run: the transfers complete, every garbage
#                     datagram is dropped and counted under its reason, the rate
#                     limits drop exactly the Initials a GCRA model predicts, nothing
#                     dropped reaches the server (about 20 s)
#
# Needs root and exits 77 (shown as skipped) without it, or without gtlsclient,
# gtlsserver or tcpdump. It loads BPF programs and times packets, so it runs alone.
# LQ_FLOOD_PPS / LQ_FLOOD_SECONDS / LQ_FLOOD_SEED change the flood (tests/e2e_guard.sh).

add_test(NAME e2e_guard
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/e2e_guard.sh ${CMAKE_BINARY_DIR}
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(e2e_guard PROPERTIES LABELS "e2e;root;guard" SKIP_RETURN_CODE 77
                     TIMEOUT 300 RUN_SERIAL TRUE)
