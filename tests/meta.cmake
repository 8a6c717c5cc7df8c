# lqmeta's tests, for include() from tests/CMakeLists.txt (or meta/CMakeLists.txt
# when meta/ is built on its own).
#   test_meta   (label unit) RFC 9001 / RFC 9369 vectors, reassembly, bad input
#   meta_check  (label meta) every public capture against tshark, Suricata and nDPI
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
  add_test(NAME meta_check
           COMMAND ${Python3_EXECUTABLE} ${LQ_META_TESTS_DIR}/meta_check.py $<TARGET_FILE:meta-dump>
           WORKING_DIRECTORY ${LQ_META_ROOT})
  set_tests_properties(meta_check PROPERTIES LABELS meta TIMEOUT 300 SKIP_RETURN_CODE 77)
endif()
