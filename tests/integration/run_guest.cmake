# run_guest.cmake - boot a Guest under lguest-emu and check what happened.
#
#   cmake -DLG_EMU=<lguest-emu> -DLG_ARGS=<arg|arg|...>
#         [-DEXPECT_EXIT=0] [-DEXPECT_STDOUT=<regex>] [-DEXPECT_STDERR=<regex>]
#         [-DREJECT_STDERR=<regex>] [-DTIMEOUT=<seconds>]
#         [-DCOUNT_STDERR_REGEX=<regex> -DCOUNT_STDERR=<n>]
#         [-DREPEAT_IDENTICAL=ON]
#         [-DINPUT=<text>] [-DSETUP_SCRIPT=<file>] [-DCHECK_SCRIPT=<file>]
#         [-DTIME_PROGRAM=<GNU time> [-DMIN_WALL_SECONDS=<s>]
#          [-DMAX_WALL_SECONDS=<s>] [-DMAX_CPU_PERCENT=<p>]]
#         -P run_guest.cmake
#
# LG_ARGS are lguest-emu's arguments separated by '|' (a ';' would be split
# by CMake on the way here): e.g. "-d|hcall|32|/path/hello.vmlinux|quiet".
# The regexes are CMake regular expressions, matched against the whole of
# stdout / stderr; '.' also matches newlines, so "A.*B" means "A, then
# later B".  COUNT_STDERR_REGEX must match exactly COUNT_STDERR times in
# stderr.  REPEAT_IDENTICAL runs the command a second time and requires the
# same exit status, stdout and stderr, byte for byte (--deterministic).
# TIME_PROGRAM (GNU time) measures the run: wall-clock seconds at least
# MIN_WALL_SECONDS and at most MAX_WALL_SECONDS, CPU time (user + system)
# at most MAX_CPU_PERCENT of the wall-clock time.  The test fails unless
# the exit status is EXPECT_EXIT and every given expectation holds.  Both
# streams are printed either way, for ctest -V and --output-on-failure.
# INPUT is the run's stdin (a file holding the text; /dev/null without it).
# SETUP_SCRIPT and CHECK_SCRIPT are CMake scripts included here, before the
# (first) run and after it: they see `args` (lguest-emu's arguments as a
# list), CHECK_SCRIPT also `out`, `err` and `status`, and it reports a
# failure by appending a line to `failures` (e.g. the Guest's writes are
# not in the disk image given with --block=).

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
set(command ${LG_EMU} ${args})
if(TIME_PROGRAM)
  string(RANDOM LENGTH 12 tag)
  set(time_file "${CMAKE_CURRENT_BINARY_DIR}/run_guest_time_${tag}.txt")
  set(command ${TIME_PROGRAM} -f "%e %U %S" -o ${time_file} ${command})
endif()

set(input_file /dev/null)
if(DEFINED INPUT)
  string(RANDOM LENGTH 12 input_tag)
  set(input_file "${CMAKE_CURRENT_BINARY_DIR}/run_guest_input_${input_tag}.txt")
  file(WRITE ${input_file} "${INPUT}")
endif()
if(SETUP_SCRIPT)
  include(${SETUP_SCRIPT})
endif()

execute_process(
  COMMAND ${command}
  INPUT_FILE ${input_file}
  OUTPUT_VARIABLE out
  ERROR_VARIABLE err
  RESULT_VARIABLE status
  TIMEOUT ${TIMEOUT})

string(REPLACE ";" " " shown "${command}")
message("command: ${shown}")
message("exit status: ${status}")
message("---- stdout ----\n${out}")
string(LENGTH "${err}" err_length)
if(err_length GREATER 20000)
  # A trace of 100,000 traps: the head and the tail are enough to read.
  string(SUBSTRING "${err}" 0 8000 head)
  math(EXPR tail_start "${err_length} - 8000")
  string(SUBSTRING "${err}" ${tail_start} -1 tail)
  message("---- stderr (${err_length} bytes; head and tail) ----\n${head}\n[...]\n${tail}")
else()
  message("---- stderr ----\n${err}")
endif()
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
if(DEFINED COUNT_STDERR_REGEX)
  string(REGEX MATCHALL "${COUNT_STDERR_REGEX}" matches "${err}")
  list(LENGTH matches count)
  if(NOT count EQUAL COUNT_STDERR)
    string(APPEND failures
      "  stderr matches ${COUNT_STDERR_REGEX} ${count} times, expected ${COUNT_STDERR}\n")
  endif()
endif()

if(CHECK_SCRIPT)
  include(${CHECK_SCRIPT})
endif()

# Seconds with two decimals ("12.34", as GNU time prints them) to hundredths.
function(_centiseconds value var)
  if(NOT value MATCHES "^([0-9]+)\\.([0-9][0-9])$")
    message(FATAL_ERROR "run_guest.cmake: cannot read the time '${value}'")
  endif()
  math(EXPR cs "${CMAKE_MATCH_1} * 100 + 1${CMAKE_MATCH_2} - 100")
  set(${var} ${cs} PARENT_SCOPE)
endfunction()

if(TIME_PROGRAM)
  file(READ ${time_file} times)
  file(REMOVE ${time_file})
  string(STRIP "${times}" times)
  # GNU time may add a line ("Command exited with non-zero status 3").
  string(REGEX MATCH "[0-9.]+ [0-9.]+ [0-9.]+$" times "${times}")
  string(REPLACE " " ";" times "${times}")
  list(GET times 0 wall_s)
  list(GET times 1 user_s)
  list(GET times 2 sys_s)
  _centiseconds(${wall_s} wall)
  _centiseconds(${user_s} user)
  _centiseconds(${sys_s} sys)
  math(EXPR cpu "${user} + ${sys}")
  message("time: ${wall_s} s wall clock, ${user_s} s user, ${sys_s} s system")
  if(DEFINED MIN_WALL_SECONDS)
    _centiseconds(${MIN_WALL_SECONDS} min)
    if(wall LESS min)
      string(APPEND failures "  ran for ${wall_s} s, expected at least ${MIN_WALL_SECONDS} s\n")
    endif()
  endif()
  if(DEFINED MAX_WALL_SECONDS)
    _centiseconds(${MAX_WALL_SECONDS} max)
    if(wall GREATER max)
      string(APPEND failures "  ran for ${wall_s} s, expected at most ${MAX_WALL_SECONDS} s\n")
    endif()
  endif()
  if(DEFINED MAX_CPU_PERCENT)
    math(EXPR cpu_scaled "${cpu} * 100")
    math(EXPR allowed "${wall} * ${MAX_CPU_PERCENT}")
    if(cpu_scaled GREATER allowed)
      string(APPEND failures
        "  used ${cpu} cs of CPU in ${wall} cs, more than ${MAX_CPU_PERCENT}%\n")
    endif()
  endif()
endif()

if(REPEAT_IDENTICAL)
  execute_process(
    COMMAND ${LG_EMU} ${args}
    INPUT_FILE ${input_file}
    OUTPUT_VARIABLE out2
    ERROR_VARIABLE err2
    RESULT_VARIABLE status2
    TIMEOUT ${TIMEOUT})
  message("second run: exit status ${status2}")
  if(NOT "${status2}" STREQUAL "${status}")
    string(APPEND failures "  second run: exit status '${status2}', first '${status}'\n")
  endif()
  foreach(stream out err)
    if(NOT "${${stream}2}" STREQUAL "${${stream}}")
      # Show the first line that differs.
      string(REPLACE "\n" ";" lines1 "${${stream}}")
      string(REPLACE "\n" ";" lines2 "${${stream}2}")
      list(LENGTH lines1 n1)
      list(LENGTH lines2 n2)
      set(i 0)
      set(where "")
      while(i LESS n1 AND i LESS n2)
        list(GET lines1 ${i} l1)
        list(GET lines2 ${i} l2)
        if(NOT l1 STREQUAL l2)
          math(EXPR line "${i} + 1")
          set(where "line ${line}: '${l1}' then '${l2}'")
          break()
        endif()
        math(EXPR i "${i} + 1")
      endwhile()
      if(NOT where)
        set(where "${n1} lines then ${n2} lines")
      endif()
      string(APPEND failures "  second run: std${stream} differs, ${where}\n")
    endif()
  endforeach()
endif()

if(DEFINED INPUT)
  file(REMOVE ${input_file})
endif()

if(failures)
  message(FATAL_ERROR "FAILED:\n${failures}")
endif()
message("PASSED")
