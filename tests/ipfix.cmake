# The IPFIX export (--export) into real collectors, for include() from tests/CMakeLists.txt:
#
#   ctest -L ipfix    contrib/ipfix/ = --export-elements; every capture of pcaps/ and
#                     the public ones through ipfix-file:, UDP and TCP into libfixbuf's
#                     ipfixDump and UDP into pmacct's nfacctd, each equal to -f conn
#                     (about 20 s); the collector killed and restarted mid-run (15 s);
#                     and, as root, linkquic-live in namespaces exporting to nfacctd
#
# Exit code 77 (skipped): ipfixDump or nfacctd missing (Debian's libfixbuf-tools, pmacct),
# or not root for the live one.

add_test(NAME ipfix_elements
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/ipfix.sh elements ${CMAKE_BINARY_DIR}
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(ipfix_elements PROPERTIES LABELS ipfix TIMEOUT 30)

add_test(NAME ipfix_replay
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/ipfix.sh replay ${CMAKE_BINARY_DIR}
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(ipfix_replay PROPERTIES LABELS ipfix TIMEOUT 120 SKIP_RETURN_CODE 77)

# contrib/ipfix/nfacctd-backends.conf: nfacctd runs it, PostgreSQL and Kafka plugins beside
# the file (no server for them here), and the file gets every record (about 5 s)
add_test(NAME ipfix_backends
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/ipfix.sh backends ${CMAKE_BINARY_DIR}
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(ipfix_backends PROPERTIES LABELS ipfix TIMEOUT 60 SKIP_RETURN_CODE 77)

# paced in wall time: alone, so that a loaded machine does not stretch it
add_test(NAME ipfix_restart
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/ipfix.sh restart ${CMAKE_BINARY_DIR}
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(ipfix_restart PROPERTIES LABELS ipfix TIMEOUT 90 SKIP_RETURN_CODE 77
                     RUN_SERIAL TRUE)

# Two linkquic-live sensors (middlebox and endpoint, observation domains 1 and 2) on
# ngtcp2 traffic in namespaces, both into one nfacctd: each one's --conn-file arrives
# (about 15 s). Root; loads BPF programs and times packets, so it runs alone.
add_test(NAME ipfix_live
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/ipfix_live.sh ${CMAKE_BINARY_DIR}
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(ipfix_live PROPERTIES LABELS "ipfix;e2e;live;root" SKIP_RETURN_CODE 77
                     TIMEOUT 120 RUN_SERIAL TRUE)
