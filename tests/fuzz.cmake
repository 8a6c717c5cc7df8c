# The tracker's libFuzzer harnesses, for include() from tests/CMakeLists.txt
# (tests/FUZZING.md says what each does and how to run them by hand).
#
#   fuzz_track_pkt   one Ethernet frame, fresh maps (default settings, then the guard)
#   fuzz_track_seq   a timed sequence of frames against one set of maps
#   fuzz_track_gen   a generator of QUIC traffic between a few clients and servers
#   fuzz_topcap      writes a harness's input as a capture, with its replay options
#
# The harnesses need clang with libFuzzer (Debian: libclang-rt-14-dev); they are
# compiled here with clang, whatever the project's compiler, from lib/'s sources and
# parser/ (-fsanitize=fuzzer,address,undefined). Built with `all` in the ASan/UBSan
# build (LQ_SANITIZE), where the tests below run; elsewhere `make fuzz_track`.
#
#   ctest -L fuzz   each harness for LQ_FUZZ_SECONDS on a copy of tests/corpus/track/,
#                   then the corpus through linkquic-replay --compare (root)

find_program(LQ_FUZZ_CLANG NAMES clang clang-16 clang-15 clang-14)
set(LQ_FUZZ_SECONDS 30 CACHE STRING "seconds each fuzz harness runs in ctest -L fuzz")

set(lq_fuzz_ok FALSE)
if(LQ_FUZZ_CLANG)
  set(lq_fuzz_probe ${CMAKE_CURRENT_BINARY_DIR}/lq_fuzz_track_probe.c)
  file(WRITE ${lq_fuzz_probe}
       "#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n")
  execute_process(COMMAND ${LQ_FUZZ_CLANG} -fsanitize=fuzzer,address,undefined ${lq_fuzz_probe}
                          -o ${lq_fuzz_probe}.out
                  RESULT_VARIABLE lq_fuzz_rc OUTPUT_QUIET ERROR_QUIET)
  if(lq_fuzz_rc EQUAL 0)
    set(lq_fuzz_ok TRUE)
  endif()
endif()

if(lq_fuzz_ok)
  set(lq_fuzz_dir ${CMAKE_CURRENT_BINARY_DIR}/fuzz_track.dir)
  file(MAKE_DIRECTORY ${lq_fuzz_dir})
  set(lq_fuzz_cflags -g -O1 -std=c11 -D_GNU_SOURCE -Wall -Wextra ${LQ_BPF_WERROR}
                     -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
                     -I${CMAKE_SOURCE_DIR}/lib -I${CMAKE_SOURCE_DIR}/parser
                     -I${CMAKE_CURRENT_SOURCE_DIR})
  # each source compiled once (lib/classify.c, the whole tracker inlined, takes most of
  # a minute under the sanitizers), the harness itself once per format; the headers a
  # source depends on come from the compiler (-MD)
  set(lq_fuzz_objs)
  foreach(src lib/classify.c lib/emu_map.c lib/vocab.c lib/output.c lib/table.c
              tests/fuzz_input.c tests/fuzz_gen.c)
    get_filename_component(base ${src} NAME_WE)
    set(obj ${lq_fuzz_dir}/${base}.o)
    add_custom_command(
      OUTPUT ${obj}
      COMMAND ${LQ_FUZZ_CLANG} ${lq_fuzz_cflags} -MD -MF ${obj}.d -c ${CMAKE_SOURCE_DIR}/${src}
              -o ${obj}
      DEPENDS ${CMAKE_SOURCE_DIR}/${src}
      DEPFILE ${obj}.d
      COMMENT "fuzz: ${src}")
    list(APPEND lq_fuzz_objs ${obj})
  endforeach()
  set(lq_fuzz_bins)
  foreach(fmt pkt seq gen)
    string(TOUPPER ${fmt} FMT)
    set(obj ${lq_fuzz_dir}/fuzz_track_${fmt}.o)
    add_custom_command(
      OUTPUT ${obj}
      COMMAND ${LQ_FUZZ_CLANG} ${lq_fuzz_cflags} -DFZ_FORMAT=FZ_${FMT} -MD -MF ${obj}.d
              -c ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_track.c -o ${obj}
      DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_track.c
      DEPFILE ${obj}.d
      COMMENT "fuzz: tests/fuzz_track.c (${fmt})")
    add_custom_command(
      OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/fuzz_track_${fmt}
      COMMAND ${LQ_FUZZ_CLANG} -fsanitize=fuzzer,address,undefined ${obj} ${lq_fuzz_objs}
              -o ${CMAKE_CURRENT_BINARY_DIR}/fuzz_track_${fmt}
      DEPENDS ${obj} ${lq_fuzz_objs}
      COMMENT "libFuzzer harness fuzz_track_${fmt}")
    list(APPEND lq_fuzz_bins ${CMAKE_CURRENT_BINARY_DIR}/fuzz_track_${fmt})
  endforeach()
  if(LQ_SANITIZE)
    add_custom_target(fuzz_track ALL DEPENDS ${lq_fuzz_bins})
  else()
    add_custom_target(fuzz_track DEPENDS ${lq_fuzz_bins})
  endif()
endif()

# the converter is plain C: it runs the formats' decoders, not the tracker
add_executable(fuzz_topcap fuzz_topcap.c fuzz_input.c fuzz_gen.c)
target_link_libraries(fuzz_topcap PRIVATE lqcore)

if(lq_fuzz_ok AND LQ_SANITIZE)
  set(lq_fuzz_max_len_pkt 4096)
  set(lq_fuzz_max_len_seq 16384)
  set(lq_fuzz_max_len_gen 4096)
  foreach(fmt pkt seq gen)
    add_test(NAME fuzz_track_${fmt}
             COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/fuzz.sh run
                     ${CMAKE_CURRENT_BINARY_DIR}/fuzz_track_${fmt}
                     ${CMAKE_CURRENT_SOURCE_DIR}/corpus/track/${fmt} ${LQ_FUZZ_SECONDS}
                     -max_len=${lq_fuzz_max_len_${fmt}}
             WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
    math(EXPR lq_fuzz_timeout "${LQ_FUZZ_SECONDS} + 60")
    set_tests_properties(fuzz_track_${fmt} PROPERTIES LABELS fuzz TIMEOUT ${lq_fuzz_timeout})
  endforeach()
  add_test(NAME fuzz_track_compare
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/fuzz.sh compare $<TARGET_FILE:linkquic-replay>
                   $<TARGET_FILE:fuzz_topcap> ${CMAKE_CURRENT_SOURCE_DIR}/corpus/track)
  set_tests_properties(fuzz_track_compare PROPERTIES LABELS "fuzz;root" TIMEOUT 300
                       SKIP_RETURN_CODE 77)
endif()
