# The shell test suites, for include() from tests/CMakeLists.txt.
#
#   ctest -L golden   replay output diffed with tests/golden/*.out (tests/golden/TESTLIST)
#   ctest -L truth    labels against the ground truth, and the truth against tshark
#   ctest -L sweep    every public capture, with and without --maps: no crash, one record a frame
#   ctest -L errors   bad input gets one clear line and an error exit
#   ctest -L parity   user space and the BPF program agree (root: skipped otherwise)
#
# Exit code 77 means "cannot run here" (no tshark, no public captures, not root) and is shown
# as skipped. The public captures are found through LQ_SHARED (default ../shared beside the
# checkout), read from the environment when ctest runs. With -DLQ_SANITIZE=ON the same tests
# run the ASan/UBSan build.

set(LQ_REPLAY_BIN $<TARGET_FILE:linkquic-replay>)

add_test(NAME golden
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/golden.sh ${LQ_REPLAY_BIN}
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(golden PROPERTIES LABELS golden TIMEOUT 120)

add_test(NAME truth
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/truth.sh ${LQ_REPLAY_BIN}
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(truth PROPERTIES LABELS truth TIMEOUT 180)

add_test(NAME truth-regen
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/regen_truth.sh
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(truth-regen PROPERTIES LABELS truth TIMEOUT 180 SKIP_RETURN_CODE 77)

add_test(NAME sweep
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/sweep.sh ${LQ_REPLAY_BIN}
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(sweep PROPERTIES LABELS sweep TIMEOUT 300 SKIP_RETURN_CODE 77)

add_test(NAME errors
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/errors.sh ${LQ_REPLAY_BIN}
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(errors PROPERTIES LABELS errors TIMEOUT 60)

add_test(NAME parity
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/parity.sh ${LQ_REPLAY_BIN}
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(parity PROPERTIES LABELS parity TIMEOUT 600 SKIP_RETURN_CODE 77)

add_test(NAME reasons
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/reasons.sh ${LQ_REPLAY_BIN}
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(reasons PROPERTIES LABELS "errors;garbage" TIMEOUT 120)

# The guard's attack captures (pcaps/attack/, from pcaps/attacks.py): under each attack the
# real connections fare as in its control, user space and kernel alike.
add_test(NAME attacks
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/attacks.sh ${LQ_REPLAY_BIN}
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(attacks PROPERTIES LABELS "guard;garbage" TIMEOUT 300)

# --timing (what bench/run.sh reads): one line on stderr that counts every frame of
# the capture (125 in migration.pcap), and -q keeps stdout empty.
add_test(NAME timing
         COMMAND ${LQ_REPLAY_BIN} -q --timing pcaps/ngtcp2/migration.pcap
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(timing PROPERTIES LABELS unit TIMEOUT 30
  PASS_REGULAR_EXPRESSION "^linkquic-replay: timing: 125 frames, cpu [0-9]+ ns \\([0-9.]+ ns/frame\\), wall [0-9]+ ns \\([0-9.]+ ns/frame\\)\n$")

# The connection table fits its width (COLUMNS, a terminal's, 100), stays aligned, abbreviates
# versions, and prints START in local time or UTC (-u), with the date when it should.
add_test(NAME table
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/table.sh ${LQ_REPLAY_BIN}
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(table PROPERTIES LABELS "golden;unit" TIMEOUT 120)

# The vocabulary of parser/lq_vocab.h against the README's lists and the garbage classes that
# pcaps/craft.py and tests/flood.py make.
add_test(NAME vocab
         COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/vocab.py ${LQ_REPLAY_BIN}
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(vocab PROPERTIES LABELS unit TIMEOUT 30)

# pcaps/craft.py still makes pcaps/crafted/ byte for byte.
add_test(NAME crafted
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/crafted.sh
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(crafted PROPERTIES LABELS unit TIMEOUT 120 SKIP_RETURN_CODE 77)
