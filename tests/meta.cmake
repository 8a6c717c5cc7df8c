# lqmeta's tests, for include() from tests/CMakeLists.txt (or meta/CMakeLists.txt
# when meta/ is built on its own).
#   test_meta   (label unit) RFC 9001 / RFC 9369 vectors, reassembly, bad input
#   meta_check  (label meta) every public capture against tshark, Suricata and nDPI,
#               through meta-dump and linkquic-replay -f conn
#   fuzz_meta   a libFuzzer harness, built when the compiler has -fsanitize=fuzzer

if(NOT LQ_META_TESTS_DIR)
  set(LQ_META_TESTS_DIR ${CMAKE_CURRENT_LIST_DIR})
endif()
get_filename_component(LQ_META_ROOT ${LQ_META_TESTS_DIR}/.. ABSOLUTE)

add_executable(test_meta ${LQ_META_TESTS_DIR}/test_meta.c)
target_link_libraries(test_meta PRIVATE lqmeta PkgConfig::CMOCKA)
add_test(NAME test_meta COMMAND test_meta)
set_tests_properties(test_meta PROPERTIES LABELS unit TIMEOUT 60)

find_package(Python3 COMPONENTS Interpreter)
if(Python3_FOUND)
  # in the whole tree, linkquic-replay -f conn too (the tracker's grouping, the same lqmeta)
  set(lq_meta_check_replay)
  if(TARGET linkquic-replay)
    set(lq_meta_check_replay $<TARGET_FILE:linkquic-replay>)
  endif()
  add_test(NAME meta_check
           COMMAND ${Python3_EXECUTABLE} ${LQ_META_TESTS_DIR}/meta_check.py $<TARGET_FILE:meta-dump>
                   ${lq_meta_check_replay}
           WORKING_DIRECTORY ${LQ_META_ROOT})
  set_tests_properties(meta_check PROPERTIES LABELS meta TIMEOUT 300 SKIP_RETURN_CODE 77)
endif()

# fuzz_meta: built with clang's libFuzzer when it links (Debian libclang-rt-14-dev);
# built with `all`:  make fuzz_meta && ./fuzz_meta -max_total_time=300 CORPUS_DIR
# Crashes it finds go to tests/corpus/meta/ as regression inputs; the
# `fuzz_meta_corpus` test replays them through the harness.
find_program(LQ_META_CLANG NAMES clang clang-16 clang-15 clang-14)
if(LQ_META_CLANG)
  set(lq_fuzz_probe ${CMAKE_CURRENT_BINARY_DIR}/lq_fuzz_probe.c)
  file(WRITE ${lq_fuzz_probe}
       "#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n")
  execute_process(COMMAND ${LQ_META_CLANG} -fsanitize=fuzzer ${lq_fuzz_probe} -o ${lq_fuzz_probe}.out
                  RESULT_VARIABLE lq_fuzz_rc OUTPUT_QUIET ERROR_QUIET)
  if(lq_fuzz_rc EQUAL 0)
    set(lq_meta_src ${LQ_META_ROOT}/meta/initial.c ${LQ_META_ROOT}/meta/frames.c
                    ${LQ_META_ROOT}/meta/tls.c ${LQ_META_ROOT}/meta/ja4.c ${LQ_META_ROOT}/meta/meta.c)
    add_custom_command(
      OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/fuzz_meta
      COMMAND ${LQ_META_CLANG} -g -O1 -Wall -Wextra -Werror -fsanitize=fuzzer,address,undefined
              -fno-sanitize-recover=all -I${LQ_META_ROOT}/meta ${LQ_META_TESTS_DIR}/fuzz_meta.c
              ${lq_meta_src} -lcrypto -o ${CMAKE_CURRENT_BINARY_DIR}/fuzz_meta
      DEPENDS ${LQ_META_TESTS_DIR}/fuzz_meta.c ${lq_meta_src}
      COMMENT "libFuzzer harness fuzz_meta")
    add_custom_target(fuzz_meta ALL DEPENDS ${CMAKE_CURRENT_BINARY_DIR}/fuzz_meta)
    if(EXISTS ${LQ_META_TESTS_DIR}/corpus/meta)
      add_test(NAME fuzz_meta_corpus
               COMMAND ${CMAKE_CURRENT_BINARY_DIR}/fuzz_meta -runs=0 ${LQ_META_TESTS_DIR}/corpus/meta)
      set_tests_properties(fuzz_meta_corpus PROPERTIES LABELS unit TIMEOUT 120
                           SKIP_REGULAR_EXPRESSION "No such file")
    endif()
  endif()
endif()
