# run_guest.cmake - boot a Guest under lguest-emu and check what happened.
#
#   cmake -DLG_EMU=<lguest-emu> -DLG_ARGS=<arg|arg|...>
#         [-DEXPECT_EXIT=0] [-DEXPECT_STDOUT=<regex>] [-DEXPECT_STDERR=<regex>]
#         [-DREJECT_STDERR=<regex>] [-DTIMEOUT=<seconds>]
#         -P run_guest.cmake
#
# LG_ARGS are lguest-emu's arguments separated by '|' (a ';' would be split
# by CMake on the way here): e.g. "-d|hcall|32|/path/hello.vmlinux|quiet".
# The regexes are CMake regular expressions, matched against the whole of
# stdout / stderr; '.' also matches newlines, so "A.*B" means "A, later B".
# The test fails unless the exit status is EXPECT_EXIT and every given
# expectation holds.  Both streams are printed either way, for ctest -V and
# --output-on-failure.

if(NOT LG_EMU OR NOT LG_ARGS)
  message(FATAL_ERROR "run_guest.cmake: LG_EMU and LG_ARGS are required")
endif()
if(NOT DEFINED EXPECT_EXIT)
  set(EXPECT_EXIT 0)
endif()
if(NOT TIMEOUT)
  set(TIMEOUT 60)
endif()

string(REPLACE "|" ";" args "${LG_ARGS}")
execute_process(
  COMMAND ${LG_EMU} ${args}
  INPUT_FILE /dev/null
  OUTPUT_VARIABLE out
  ERROR_VARIABLE err
  RESULT_VARIABLE status
  TIMEOUT ${TIMEOUT})

string(REPLACE ";" " " shown "${args}")
message("command: ${LG_EMU} ${shown}")
message("exit status: ${status}")
message("---- stdout ----\n${out}")
message("---- stderr ----\n${err}")
message("----------------")

set(failures "")
if(NOT "${status}" STREQUAL "${EXPECT_EXIT}")
  string(APPEND failures "  exit status is '${status}', expected ${EXPECT_EXIT}\n")
endif()
if(DEFINED EXPECT_STDOUT AND NOT out MATCHES "${EXPECT_STDOUT}")
  string(APPEND failures "  stdout does not match: ${EXPECT_STDOUT}\n")
endif()
if(DEFINED EXPECT_STDERR AND NOT err MATCHES "${EXPECT_STDERR}")
  string(APPEND failures "  stderr does not match: ${EXPECT_STDERR}\n")
endif()
if(DEFINED REJECT_STDERR AND err MATCHES "${REJECT_STDERR}")
  string(APPEND failures "  stderr matches what it must not: ${REJECT_STDERR}\n")
endif()

if(failures)
  message(FATAL_ERROR "FAILED:\n${failures}")
endif()
message("PASSED")
